return setmetatable({ name = "x", languages = {{ code = "en", name = "E" }} }, { __index = function() while true do end end })
