/* Common includes for the cmocka unit tests. */
#ifndef TEST_PREAMBLE_H
#define TEST_PREAMBLE_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#endif
