/* cli.h — the subcommands of the pinggu executable. Each returns the process exit code:
 * 0 success, 1 the input is wrong (rules, data, arguments naming things that do not exist),
 * 2 the command line is malformed. */
#ifndef PG_CLI_H
#define PG_CLI_H

int cmd_eval(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_doc(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_backup(int argc, char **argv);      /* cmd_backup.c */
int cmd_publish(int argc, char **argv);     /* cmd_publish.c */
int cmd_bulletins(int argc, char **argv);   /* cmd_publish.c */
int cmd_reproduce(int argc, char **argv);   /* cmd_publish.c */
int cmd_selfreport(int argc, char **argv);  /* cmd_review.c */
int cmd_score(int argc, char **argv);       /* cmd_review.c */
int cmd_appeal(int argc, char **argv);      /* cmd_review.c */
int cmd_audit(int argc, char **argv);       /* cmd_audit.c */
int cmd_prune(int argc, char **argv);       /* cmd_prune.c */
int cmd_rules(int argc, char **argv);       /* cmd_rules.c: `rules diff` */
int cmd_sensitivity(int argc, char **argv); /* cmd_sensitivity.c */
int cmd_analyze(int argc, char **argv);     /* cmd_analyze.c */
int cmd_template(int argc, char **argv);    /* cmd_template.c */

#endif
