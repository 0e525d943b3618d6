return { name = "x", languages = setmetatable({}, { __index = function() error("boom") end, __len = function() return 3 end }) }
