/* docroot: files from a folder or a zip; see docroot.h. */
#define _DEFAULT_SOURCE
#include "docroot.h"

#include <errno.h>
#include <fcntl.h>
#include <minizip/unzip.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "path.h"
#include "xalloc.h"

typedef struct {
    char *name;
    unz64_file_pos pos;
    uint32_t crc;
    uint64_t size;
    int64_t mtime;
} zip_entry;

struct docroot {
    char *folder;        /* a folder, or NULL for a zip */
    unzFile zip;
    zip_entry *entries;  /* sorted by name */
    size_t nentries;
    pthread_mutex_t lock; /* the unzFile has one read position */
};

/* --- zip ------------------------------------------------------------------ */

static bool entry_name_ok(const char *name)
{
    if (!*name || name[0] == '/' || strchr(name, '\\') || name[strlen(name) - 1] == '/')
        return false;
    char *norm = path_normalize(name);
    bool ok = norm && !strcmp(norm, name);
    free(norm);
    return ok;
}

static int64_t entry_time(const tm_unz *t)
{
    struct tm tm = {.tm_year = (int)t->tm_year - 1900, .tm_mon = (int)t->tm_mon,
                    .tm_mday = (int)t->tm_mday, .tm_hour = (int)t->tm_hour,
                    .tm_min = (int)t->tm_min, .tm_sec = (int)t->tm_sec};
    return (int64_t)timegm(&tm);
}

static int compare_entries(const void *a, const void *b)
{
    return strcmp(((const zip_entry *)a)->name, ((const zip_entry *)b)->name);
}

static int index_zip(docroot_t *r, char **err)
{
    size_t cap = 0;
    for (int rc = unzGoToFirstFile(r->zip); rc == UNZ_OK; rc = unzGoToNextFile(r->zip)) {
        unz_file_info64 info;
        char name[1024];
        if (unzGetCurrentFileInfo64(r->zip, &info, name, sizeof name, NULL, 0, NULL, 0) != UNZ_OK ||
            info.size_filename >= sizeof name) {
            *err = xstrdup("cannot read the zip's central directory");
            return -1;
        }
        if (!entry_name_ok(name) || info.uncompressed_size > DOCROOT_MAX_FILE)
            continue;
        xgrow((void **)&r->entries, &cap, r->nentries + 1, sizeof *r->entries);
        zip_entry *e = &r->entries[r->nentries++];
        *e = (zip_entry){xstrdup(name), {0, 0}, (uint32_t)info.crc, info.uncompressed_size,
                         entry_time(&info.tmu_date)};
        unzGetFilePos64(r->zip, &e->pos);
    }
    if (r->nentries)
        qsort(r->entries, r->nentries, sizeof *r->entries, compare_entries);
    for (size_t i = 1; i < r->nentries; i++)
        if (!strcmp(r->entries[i - 1].name, r->entries[i].name)) {
            *err = xasprintf("the zip holds '%s' twice", r->entries[i].name);
            return -1;
        }
    return 0;
}

static const zip_entry *find_entry(const docroot_t *r, const char *rel)
{
    zip_entry key = {.name = (char *)rel};
    return r->nentries ? bsearch(&key, r->entries, r->nentries, sizeof key, compare_entries) : NULL;
}

static int read_entry(docroot_t *r, const zip_entry *e, docroot_file *out)
{
    char *data = xmalloc(e->size + 1);
    int rc = -1;
    pthread_mutex_lock(&r->lock);
    unz64_file_pos pos = e->pos;
    if (unzGoToFilePos64(r->zip, &pos) == UNZ_OK && unzOpenCurrentFile(r->zip) == UNZ_OK) {
        uint64_t got = 0;
        int n = 1;
        while (got < e->size && (n = unzReadCurrentFile(r->zip, data + got,
                                                        (unsigned)(e->size - got > (1u << 30) ? (1u << 30) : e->size - got))) > 0)
            got += (uint64_t)n;
        /* unzCloseCurrentFile checks the CRC once everything was read. */
        int closed = unzCloseCurrentFile(r->zip);
        rc = got == e->size && n >= 0 && closed == UNZ_OK ? 1 : -1;
    }
    pthread_mutex_unlock(&r->lock);
    if (rc < 0) {
        free(data);
        return -1;
    }
    data[e->size] = '\0';
    *out = (docroot_file){data, (size_t)e->size, e->mtime, e->crc};
    return 1;
}

/* --- folder ----------------------------------------------------------------- */

static int read_folder_file(docroot_t *r, const char *rel, docroot_file *out)
{
    char *path = path_join(r->folder, rel);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    free(path);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ? 0 : -1;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > DOCROOT_MAX_FILE) {
        close(fd);
        return 0;
    }
    char *data = xmalloc((size_t)st.st_size + 1);
    size_t got = 0;
    ssize_t n = 1;
    while (got < (size_t)st.st_size && (n = read(fd, data + got, (size_t)st.st_size - got)) > 0)
        got += (size_t)n;
    close(fd);
    if (n < 0) {
        free(data);
        return -1;
    }
    data[got] = '\0';
    *out = (docroot_file){data, got, (int64_t)st.st_mtime,
                          (uint32_t)crc32(0L, (const Bytef *)data, (uInt)got)};
    return 1;
}

/* --- the interface ------------------------------------------------------------ */

docroot_t *docroot_open(const char *path, char **err)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        *err = xasprintf("%s: %s", path, strerror(errno));
        return NULL;
    }
    docroot_t *r = xcalloc(1, sizeof *r);
    pthread_mutex_init(&r->lock, NULL);
    if (S_ISDIR(st.st_mode)) {
        r->folder = xstrdup(path);
        return r;
    }
    r->zip = unzOpen64(path);
    if (!r->zip) {
        *err = xasprintf("%s: not a zip file", path);
        docroot_close(r);
        return NULL;
    }
    if (index_zip(r, err) < 0) {
        docroot_close(r);
        return NULL;
    }
    return r;
}

void docroot_close(docroot_t *r)
{
    if (!r)
        return;
    if (r->zip)
        unzClose(r->zip);
    for (size_t i = 0; i < r->nentries; i++)
        free(r->entries[i].name);
    free(r->entries);
    free(r->folder);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

bool docroot_is_zip(const docroot_t *r)
{
    return r->zip != NULL;
}

int docroot_read(docroot_t *r, const char *rel, docroot_file *out)
{
    if (r->folder)
        return read_folder_file(r, rel, out);
    const zip_entry *e = find_entry(r, rel);
    return e ? read_entry(r, e, out) : 0;
}

bool docroot_has_index(docroot_t *r, const char *rel)
{
    char *index = *rel ? xasprintf("%s/index.html", rel) : xstrdup("index.html");
    bool found;
    if (r->folder) {
        char *path = path_join(r->folder, index);
        struct stat st;
        found = lstat(path, &st) == 0 && S_ISREG(st.st_mode);
        free(path);
    } else {
        found = find_entry(r, index) != NULL;
    }
    free(index);
    return found;
}

static const struct {
    const char *ext, *type;
} MIME_TYPES[] = {
    {".html", "text/html; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
    {".xml", "application/xml"},            {".atom", "application/atom+xml"},
    {".rss", "application/rss+xml"},        {".json", "application/json"},
    {".txt", "text/plain; charset=utf-8"},  {".csv", "text/csv; charset=utf-8"},
    {".png", "image/png"},                  {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},                {".gif", "image/gif"},
    {".webp", "image/webp"},                {".avif", "image/avif"},
    {".ico", "image/x-icon"},               {".svg", "image/svg+xml"},
    {".woff2", "font/woff2"},               {".woff", "font/woff"},
    {".pdf", "application/pdf"},            {".zip", "application/zip"},
    {".minisig", "text/plain; charset=utf-8"}, {".pub", "text/plain; charset=utf-8"},
    {".mp3", "audio/mpeg"},                 {".ogg", "audio/ogg"},
    {".mp4", "video/mp4"},                  {".webm", "video/webm"},
    {".gz", "application/gzip"},
};

const char *docroot_mime_type(const char *name)
{
    const char *ext = path_extension(name);
    for (size_t i = 0; i < sizeof MIME_TYPES / sizeof *MIME_TYPES; i++)
        if (!strcasecmp(ext, MIME_TYPES[i].ext))
            return MIME_TYPES[i].type;
    if (!strcmp(path_basename(name), "SHA256SUMS"))
        return "text/plain; charset=utf-8";
    return "application/octet-stream";
}

void docroot_etag(const docroot_file *f, char out[32])
{
    snprintf(out, 32, "\"%08x-%zx\"", (unsigned)f->crc, f->len);
}
