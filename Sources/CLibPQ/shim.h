// libpq, the PostgreSQL client library.
#ifndef SOAK_CLIBPQ_SHIM_H
#define SOAK_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
