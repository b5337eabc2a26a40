/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TEST SHIM for the FreeBSD compile check, SCTP builds only.
 *
 * Why: with SCTP, the module includes netinet/sctp_pcb.h, whose sctp_os_bsd.h includes
 * <crypto/sha1.h> for the HMAC state in sctp_auth.h.  It lives in the kernel sources
 * (sys/crypto/) and FreeBSD does not install it.  A real sys/ tree brings the real one.
 *
 * What: only the context type sctp_auth.h embeds, as a complete type of the documented
 * size (a 20-byte digest, a 64-bit length, a 64-byte block, a counter).  The module never
 * hashes anything.
 */
#ifndef MS_SHIM_CRYPTO_SHA1_H
#define MS_SHIM_CRYPTO_SHA1_H

#include <sys/types.h>

typedef struct {
	uint8_t digest[20];
	uint64_t length;
	uint8_t block[64];
	uint8_t count;
} SHA1_CTX;

#endif /* MS_SHIM_CRYPTO_SHA1_H */
