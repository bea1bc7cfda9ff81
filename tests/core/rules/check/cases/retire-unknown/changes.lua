-- 2022 changes
retire "c"
retire "b"
retire "b"
