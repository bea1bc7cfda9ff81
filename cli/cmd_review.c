/* cmd_review.c — placeholder until its owner lands it this session. */
#include "cli.h"

#include <stdio.h>

int cmd_selfreport(int argc, char **argv)
{
    fprintf(stderr, "pinggu: not built yet\n");
    return 2;
}

int cmd_score(int argc, char **argv)
{
    fprintf(stderr, "pinggu: not built yet\n");
    return 2;
}

int cmd_appeal(int argc, char **argv)
{
    fprintf(stderr, "pinggu: not built yet\n");
    return 2;
}
