/* SPDX-License-Identifier: MIT */
/*
 * test.h — blec's test runner (in the manner of libuv's): every suite is one
 * executable whose tests are listed in its own list header with BLEC_TEST(name). ctest
 * runs each test as its own process (`suite name`), so a crash or hang fails that test
 * alone; `suite` with no argument runs them all in one process, `suite --list` lists them.
 *
 * A test is `BLEC_TEST_IMPL(name) { ... }` returning nothing; assertions abort the test
 * process with the file, line and expression. BLEC_TEST_TIMEOUT_MULTIPLIER (env) scales
 * the helper timeouts (sanitizer builds, Wine).
 */
#ifndef BLEC_TEST_H
#define BLEC_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLEC_TEST_IMPL(name) void blec_test_##name(void)

void blec_test_fail_(const char *file, int line, const char *fmt, ...);
/** Milliseconds scaled by BLEC_TEST_TIMEOUT_MULTIPLIER. */
int blec_test_ms(int ms);

#define ASSERT(expr)                                                                     \
  do {                                                                                   \
    if (!(expr)) blec_test_fail_(__FILE__, __LINE__, "assertion failed: %s", #expr);     \
  } while (0)

#define ASSERT_EQ_INT(a, b)                                                              \
  do {                                                                                   \
    long long a_ = (long long)(a), b_ = (long long)(b);                                  \
    if (a_ != b_)                                                                        \
      blec_test_fail_(__FILE__, __LINE__, "%s == %s failed: %lld != %lld", #a, #b, a_, b_); \
  } while (0)

#define ASSERT_NE_INT(a, b)                                                              \
  do {                                                                                   \
    long long a_ = (long long)(a), b_ = (long long)(b);                                  \
    if (a_ == b_) blec_test_fail_(__FILE__, __LINE__, "%s != %s failed: both %lld", #a, #b, a_); \
  } while (0)

#define ASSERT_STR_EQ(a, b)                                                              \
  do {                                                                                   \
    const char *a_ = (a), *b_ = (b);                                                     \
    if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)                                 \
      blec_test_fail_(__FILE__, __LINE__, "%s == %s failed: \"%s\" != \"%s\"", #a, #b,   \
                      a_ ? a_ : "(null)", b_ ? b_ : "(null)");                           \
  } while (0)

#define ASSERT_MEM_EQ(a, b, n)                                                           \
  do {                                                                                   \
    if (memcmp((a), (b), (n)) != 0)                                                      \
      blec_test_fail_(__FILE__, __LINE__, "memory %s == %s failed", #a, #b);             \
  } while (0)

/** Asserts a blec status is BLEC_OK, printing its name otherwise. */
#define ASSERT_OK(expr) ASSERT_STATUS(expr, 0)
#define ASSERT_STATUS(expr, want)                                                        \
  do {                                                                                   \
    int s_ = (expr);                                                                     \
    if (s_ != (want))                                                                    \
      blec_test_fail_(__FILE__, __LINE__, "%s returned %d (%s), wanted %d (%s)", #expr, s_, \
                      blec_test_status_name_(s_), (int)(want), blec_test_status_name_(want)); \
  } while (0)

const char *blec_test_status_name_(int s);

#endif /* BLEC_TEST_H */
