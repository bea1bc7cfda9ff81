/* wrong_upward.c — must not compile: base is below rules, so rules.h is not on its path
 * (the layout.include_upward test builds it and expects the compiler to refuse). */
#include "base.h"
#include "rules.h"
