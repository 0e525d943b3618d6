-- The default site: the repository builds itself with `make run`.
-- A Lua table; README.md ("site.lua") lists every key.
return {
  name = "waymark",             -- the bundle is out/waymark.zip
  title = "Waymark Help",
  theme = "default",
  -- base_url = "http://<your-address>.onion/",  -- only feeds need an absolute address
  languages = {                 -- the first is the default language
    { code = "en", name = "English" },
    { code = "fi", name = "Suomi" },
    { code = "es", name = "Español" },
    { code = "ar", name = "العربية", dir = "rtl" },
    { code = "ru", name = "Русский" },  -- partly translated: see `waymark status`
  },
  fallback = "default",         -- a page not yet translated is shown in English, with a notice
  theme_vars = {                -- SCSS variables of the theme ($accent, ...)
    accent = "#0b5f75",
  },
  -- The safety panel and the "Leave this site quickly" link of every
  -- programme page (README.md, "Self-help programmes"). Check every number
  -- and opening time before you publish, and keep them up to date.
  safety = {
    exit_url = "https://www.wikipedia.org/",  -- the neutral page the quick exit opens
    en = {
      exit_url = "https://en.wikipedia.org/",
      intro = "If you feel you might act on an urge, or you are thinking about harming yourself, talk to someone now. You do not have to give your name.",
      helplines = {
        { name = "Emergency services", contact = "112 (European Union), 999 (UK), 911 (USA and Canada)", hours = "Always open" },
        { name = "Stop It Now helpline (UK and Ireland)", contact = "0808 1000 900", url = "tel:08081000900", hours = "Free and confidential; opening hours on stopitnow.org.uk" },
        { name = "Waymark Help anonymous chat", contact = "Where to get help", url = "en/get-help/index.html", hours = "Monday to Friday, 10:00–16:00 (Central European Time)" },
      },
    },
    fi = {
      exit_url = "https://fi.wikipedia.org/",
      intro = "Jos sinusta tuntuu, että saatat toimia mielihalusi mukaan, tai ajattelet itsesi vahingoittamista, puhu jonkun kanssa nyt. Nimeäsi ei tarvitse kertoa.",
      helplines = {
        { name = "Hätänumero", contact = "112", url = "tel:112", hours = "Aina auki" },
        { name = "MIELI ry:n Kriisipuhelin", contact = "09 2525 0111", url = "tel:0925250111", hours = "Päivystää ympäri vuorokauden" },
        { name = "Waymark Helpin anonyymi chat", contact = "Mistä saa apua", url = "fi/get-help/index.html", hours = "Maanantaista perjantaihin klo 10–16 (Keski-Euroopan aikaa)" },
      },
    },
    es = {
      exit_url = "https://es.wikipedia.org/",
      intro = "Si sientes que podrías actuar según un impulso, o piensas en hacerte daño, habla con alguien ahora. No tienes que decir tu nombre.",
      helplines = {
        { name = "Emergencias", contact = "112", url = "tel:112", hours = "Siempre disponible" },
        { name = "Línea 024 de atención a la conducta suicida (España)", contact = "024", url = "tel:024", hours = "Gratuita y confidencial, las 24 horas" },
        { name = "Chat anónimo de Waymark Help", contact = "Dónde encontrar ayuda", url = "es/get-help/index.html", hours = "De lunes a viernes, de 10:00 a 16:00 (hora de Europa central)" },
      },
    },
    ar = {
      exit_url = "https://ar.wikipedia.org/",
      intro = "إذا شعرت أنك قد تستجيب لرغبة، أو تفكر في إيذاء نفسك، فتحدّث إلى أحد الآن. لست مضطرًا إلى ذكر اسمك.",
      helplines = {
        { name = "خدمات الطوارئ", contact = "رقم الطوارئ في بلدك", hours = "متاحة دائمًا" },
        { name = "الدردشة المجهولة في Waymark Help", contact = "أين تجد المساعدة", url = "ar/get-help/index.html", hours = "من الاثنين إلى الجمعة، من الساعة 10:00 إلى الساعة 16:00 (بتوقيت وسط أوروبا)" },
      },
    },
  },
}
