/* cmd_publish.c — placeholder until its owner lands it this session. */
#include "cli.h"

#include <stdio.h>

int cmd_publish(int argc, char **argv)
{
    fprintf(stderr, "pinggu: not built yet\n");
    return 2;
}

int cmd_bulletins(int argc, char **argv)
{
    fprintf(stderr, "pinggu: not built yet\n");
    return 2;
}

int cmd_reproduce(int argc, char **argv)
{
    fprintf(stderr, "pinggu: not built yet\n");
    return 2;
}
