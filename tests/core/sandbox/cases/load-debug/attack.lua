-- At load time: use the debug library.
debug.sethook()
