/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TEST SHIM for the FreeBSD compile check, SCTP builds only.
 *
 * Why: with SCTP, the module includes netinet/sctp_pcb.h, whose sctp_os_bsd.h includes
 * <crypto/sha2/sha256.h> for the HMAC state in sctp_auth.h.  It lives in the kernel sources
 * (sys/crypto/) and FreeBSD does not install it.  A real sys/ tree brings the real one.
 *
 * What: only the context type sctp_auth.h embeds, as a complete type of the documented
 * size (eight 32-bit state words, a 64-bit bit count, a 64-byte block).  The module never
 * hashes anything.
 */
#ifndef MS_SHIM_CRYPTO_SHA256_H
#define MS_SHIM_CRYPTO_SHA256_H

#include <sys/types.h>

typedef struct {
	uint32_t state[8];
	uint64_t count;
	uint8_t buf[64];
} SHA256_CTX;

#endif /* MS_SHIM_CRYPTO_SHA256_H */
