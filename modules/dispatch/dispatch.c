/*
 * dispatch — skeleton of the outbox delivery daemon (issue 3, section 4).
 */
int
main(void)
{
	return 0;
}
