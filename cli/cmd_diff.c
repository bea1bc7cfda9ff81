/* cmd_diff.c — placeholder while the command is written. */
#include "cli.h"

#include <stdio.h>

int cmd_diff(int argc, char **argv)
{
    (void)argc, (void)argv;
    fputs("pinggu diff: not yet\n", stderr);
    return 2;
}
