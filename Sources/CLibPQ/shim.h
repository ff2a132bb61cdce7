// libpq, the PostgreSQL client library, and the few system calls soak waits on with it.
#ifndef SOAK_CLIBPQ_SHIM_H
#define SOAK_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>

// PG_DIAG_* are character macros; these give them a type Swift imports.
static inline int soak_pg_diag_sqlstate(void) { return PG_DIAG_SQLSTATE; }
static inline int soak_pg_diag_severity(void) { return PG_DIAG_SEVERITY_NONLOCALIZED; }
static inline int soak_pg_diag_severity_localized(void) { return PG_DIAG_SEVERITY; }
static inline int soak_pg_diag_message(void) { return PG_DIAG_MESSAGE_PRIMARY; }

// An eventfd that interrupts a wait on a connection's socket from another thread.
static inline int soak_wake_descriptor(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }
#endif
