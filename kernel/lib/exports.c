/* The support library's entries in the nano_core export table. Every cell
 * may use them (compilers emit calls to mem* on their own), so all are
 * app-visible. */
#include "export.h"
#include "klib.h"
#include "sha256.h"

EXPORT_APP(memcpy);
EXPORT_APP(memmove);
EXPORT_APP(memset);
EXPORT_APP(memcmp);
EXPORT_APP(memchr);
EXPORT_APP(strlen);
EXPORT_APP(strnlen);
EXPORT_APP(strcmp);
EXPORT_APP(strncmp);
EXPORT_APP(strchr);
EXPORT_APP(strrchr);
EXPORT_APP(strlcpy);
EXPORT_APP(str_starts_with);
EXPORT_APP(str_to_i64);
EXPORT_APP(str_to_u64);
EXPORT_APP(kvsnprintf);
EXPORT_APP(ksnprintf);
EXPORT_APP(kprintf);
EXPORT_APP(kvprintf);
/* What cells use of SHA-256 (here: sha256.c has no exports of its own,
 * tools/evolve compiles it too) */
EXPORT_APP(sha256_to_hex);
