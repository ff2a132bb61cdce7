// Typed wrappers for zlib's macro APIs.
#ifndef SOAK_CZLIB_SHIM_H
#define SOAK_CZLIB_SHIM_H

#include <zlib.h>

/* deflateInit2 is a macro; windowBits 15 + 16 asks for a gzip header and trailer. */
static inline int soak_deflate_init_gzip(z_streamp stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}


/* inflateInit2 with automatic gzip or zlib header detection (windowBits 15 + 32). */
static inline int soak_inflate_init_auto(z_streamp stream) {
    return inflateInit2(stream, 15 + 32);
}

#endif
