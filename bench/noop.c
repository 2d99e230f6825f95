/* noop - the service in the startup benchmark: a static program that does
 * nothing, so what is measured is the init or entrypoint in front of it. */
int main(void)
{
	return 0;
}
