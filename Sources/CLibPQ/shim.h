// libpq, the PostgreSQL client library.
#ifndef SOAK_CLIBPQ_SHIM_H
#define SOAK_CLIBPQ_SHIM_H
#include <libpq-fe.h>

// PG_DIAG_* are character macros; these give them a type Swift imports.
static inline int soak_pg_diag_sqlstate(void) { return PG_DIAG_SQLSTATE; }
static inline int soak_pg_diag_severity(void) { return PG_DIAG_SEVERITY_NONLOCALIZED; }
static inline int soak_pg_diag_severity_localized(void) { return PG_DIAG_SEVERITY; }
static inline int soak_pg_diag_message(void) { return PG_DIAG_MESSAGE_PRIMARY; }
#endif
