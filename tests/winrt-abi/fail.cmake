# SPDX-License-Identifier: MIT
# Fails a ctest test with the message MSG (used when a prerequisite is missing).
message(FATAL_ERROR "${MSG}")
