-- metrics.lua
metric "timely"     { name = "办件及时率", unit = "share", desc = "按时办结件数/办件总数" }
metric "complaints" { name = "投诉件数", unit = "count" }
metric "days"       { name = "平均办理天数", unit = "days" }
metric "score"      { name = "群众评分", unit = "score" }
metric "online"     { name = "是否上线", unit = "flag" }
metric "innovation" { name = "创新事项", unit = "count" }
metric "incidents"  { name = "安全事件", unit = "count" }
metric "fraud"      { name = "数据造假", unit = "flag" }
