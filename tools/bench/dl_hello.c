/* The shared object the bench dlopens: the Linux counterpart of the
 * chain_c cell (one exported function, no output). */
int dl_hello_value(int x);

int dl_hello_value(int x)
{
	return 3 * x;
}
