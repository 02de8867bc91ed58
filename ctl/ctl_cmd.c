/* hamctl's commands: usage lines from the tables; see ctl_cmd.h. */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include "ctl/ctl_cmd.h"

/* Is word one of the space-separated words of s? */
static int
has_word(const char *s, const char *word)
{
	size_t	 n = strlen(word);

	while (*s != '\0') {
		if (strncmp(s, word, n) == 0 && (s[n] == ' ' || s[n] == '\0'))
			return 1;
		s += strcspn(s, " ");
		s += strspn(s, " ");
	}
	return 0;
}

/*
 * The usage lines of the commands called name; with word, only the
 * forms that have it among their arguments.  Returns 1, the exit status.
 */
int
ctl_usage(const struct command *tab, size_t n, const char *name)
{
	const char	*word = NULL, *lead = "usage:";
	char		 cmd[32];
	size_t		 i;

	/* "hub block" or "set owner": the command, then the form. */
	(void)strlcpy(cmd, name, sizeof(cmd));
	if ((word = strchr(cmd, ' ')) != NULL)
		cmd[word++ - cmd] = '\0';
	for (i = 0; i < n; i++) {
		if (strcmp(tab[i].name, cmd) != 0 ||
		    (word != NULL && !has_word(tab[i].args, word)))
			continue;
		fprintf(stderr, "%s hamctl %s%s%s\n", lead, tab[i].name,
		    tab[i].args[0] != '\0' ? " " : "", tab[i].args);
		lead = "      ";
	}
	return 1;
}

/* ---- listings --------------------------------------------------------- */

int
ctl_command_find(const struct command *tab, size_t n, int argc, char **argv,
    const struct command **out)
{
	size_t	 i;
	int	 named = 0;

	for (i = 0; i < n; i++) {
		if (strcmp(argv[0], tab[i].name) != 0)
			continue;
		named = 1;
		if (tab[i].word == NULL || (tab[i].word_at < argc &&
		    strcmp(argv[tab[i].word_at], tab[i].word) == 0)) {
			*out = &tab[i];
			return 0;
		}
	}
	return named ? 1 : -1;
}
