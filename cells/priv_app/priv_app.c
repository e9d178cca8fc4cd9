/* priv_app: an app cell that reaches for a kernel-only export (the frame
 * allocator). The loader must refuse it, naming frames_alloc. */
#include "cell.h"
#include "mm.h"

CELL_INFO("priv_app", CELL_APP, 1);

int priv_app_main(void)
{
	struct allocated_frames f;
	if (frames_alloc(1, &f))
		return -1;
	frames_free(&f);
	return 0;
}
