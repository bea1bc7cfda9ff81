/* cmd_explain.c — placeholder while the command is written. */
#include "cli.h"

#include <stdio.h>

int cmd_explain(int argc, char **argv)
{
    (void)argc, (void)argv;
    fputs("pinggu explain: not yet\n", stderr);
    return 2;
}
