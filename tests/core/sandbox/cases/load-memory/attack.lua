-- At load time: one allocation far above the state's cap (512 MiB); refused at once.
local s = string.rep("x", 1 << 30)
