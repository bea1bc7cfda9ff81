-- At load time: require a precompiled (binary) chunk, made with luac5.4 when the test runs.
local evil = require "evil"
