/* calendar2021.h — the 2021 working-day calendar of mainland China, as data.
 *
 * Source: 国务院办公厅关于2021年部分节假日安排的通知 (国办发明电〔2020〕27号, 25 November 2020):
 *   元旦   1月1日至3日放假调休，共3天。
 *   春节   2月11日至17日放假调休，共7天。2月7日（星期日）、2月20日（星期六）上班。
 *   清明节 4月3日至5日放假调休，共3天。
 *   劳动节 5月1日至5日放假调休，共5天。4月25日（星期日）、5月8日（星期六）上班。
 *   端午节 6月12日至14日放假，共3天。
 *   中秋节 9月19日至21日放假调休，共3天。9月18日（星期六）上班。
 *   国庆节 10月1日至7日放假调休，共7天。9月26日（星期日）、10月9日（星期六）上班。
 *
 * Holidays are listed as announced, whole blocks including the weekend days inside them
 * (1月2日 and 3日 are a Saturday and a Sunday); the calendar code does not need them
 * restricted to weekdays. Workdays are the weekend days declared working days (调休上班).
 * Both lists are sorted, as pg_calendar requires. The lead will move this into the rule set;
 * the tests in this directory use it as it stands. */
#ifndef PG_TEST_CALENDAR2021_H
#define PG_TEST_CALENDAR2021_H

static const char *const pg_cal2021_holidays[] = {
    "2021-01-01", "2021-01-02", "2021-01-03",                                           /* 元旦 */
    "2021-02-11", "2021-02-12", "2021-02-13", "2021-02-14", "2021-02-15", "2021-02-16", /* 春节 */
    "2021-02-17",                                                                       /* 春节 */
    "2021-04-03", "2021-04-04", "2021-04-05",                                           /* 清明 */
    "2021-05-01", "2021-05-02", "2021-05-03", "2021-05-04", "2021-05-05",               /* 劳动 */
    "2021-06-12", "2021-06-13", "2021-06-14",                                           /* 端午 */
    "2021-09-19", "2021-09-20", "2021-09-21",                                           /* 中秋 */
    "2021-10-01", "2021-10-02", "2021-10-03", "2021-10-04", "2021-10-05", "2021-10-06", /* 国庆 */
    "2021-10-07",                                                                       /* 国庆 */
};

static const char *const pg_cal2021_workdays[] = {
    "2021-02-07", /* 星期日, 春节 */
    "2021-02-20", /* 星期六, 春节 */
    "2021-04-25", /* 星期日, 劳动节 */
    "2021-05-08", /* 星期六, 劳动节 */
    "2021-09-18", /* 星期六, 中秋节 */
    "2021-09-26", /* 星期日, 国庆节 */
    "2021-10-09", /* 星期六, 国庆节 */
};

#define PG_CAL2021_NHOLIDAYS ((int)(sizeof(pg_cal2021_holidays) / sizeof(pg_cal2021_holidays[0])))
#define PG_CAL2021_NWORKDAYS ((int)(sizeof(pg_cal2021_workdays) / sizeof(pg_cal2021_workdays[0])))

#endif
