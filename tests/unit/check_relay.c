#include "autoconf.h"
#include <check.h>
#include <stdlib.h>
START_TEST(t_placeholder) { ck_assert_int_eq(1, 1); } END_TEST
int main(void) { Suite *s = suite_create("x"); TCase *tc = tcase_create("x"); SRunner *r; int n;
tcase_add_test(tc, t_placeholder); suite_add_tcase(s, tc); r = srunner_create(s); srunner_run_all(r, CK_NORMAL); n = srunner_ntests_failed(r); srunner_free(r); return n ? EXIT_FAILURE : EXIT_SUCCESS; }
