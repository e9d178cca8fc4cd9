/* faulty_text_value (faulty_text.h): the code rot_text corrupts. */
#include "faulty_text.h"

int64_t faulty_text_value(int64_t n) { return 2 * n + 1; }
