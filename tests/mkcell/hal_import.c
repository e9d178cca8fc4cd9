/* A cell that calls the HAL by its own name: mkcell must refuse it (no HAL
 * name is part of a cell's link ABI, docs/cells.md). */
void hal_cpu_relax(void);

int hal_import(void)
{
	hal_cpu_relax();
	return 0;
}
