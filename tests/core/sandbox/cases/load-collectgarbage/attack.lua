-- At load time: stop the collector.
collectgarbage("stop")
