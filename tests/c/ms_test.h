/* SPDX-License-Identifier: BSD-2-Clause */
/* A tiny check harness: each failed CHECK prints where, and main() returns the failure count. */
#ifndef MS_TEST_H
#define MS_TEST_H

#include <stdio.h>

static int ms_test_failures;

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
			ms_test_failures++;                                                      \
		}                                                                                \
	} while (0)

#define CHECK_EQ(a, b)                                                                        \
	do {                                                                                  \
		long long ms_a_ = (long long) (a), ms_b_ = (long long) (b);                   \
		if (ms_a_ != ms_b_) {                                                         \
			fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, \
				__LINE__, #a, ms_a_, #b, ms_b_);                              \
			ms_test_failures++;                                                   \
		}                                                                             \
	} while (0)

#define RUN(test)                                                                         \
	do {                                                                              \
		int ms_before_ = ms_test_failures;                                        \
		test();                                                                   \
		printf("%s %s\n", ms_test_failures == ms_before_ ? "ok" : "FAIL", #test); \
	} while (0)

#endif
