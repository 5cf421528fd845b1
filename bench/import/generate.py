#!/usr/bin/env python3
"""Writes a synthetic Disqus export (or WordPress WXR) of N comments to standard output,
streamed (constant memory), for measuring `tribune import`.

    bench/import/generate.py disqus 1000000 > /tmp/disqus-1m.xml
    bench/import/generate.py wordpress 20000 > /tmp/wxr-20k.xml
    bench/import/generate.py disqus-live 1000000 > /tmp/live-1m.xml

Shape: one thread per 50 comments (`disqus-live`: one article per 10 comments, and a
live blog, `bench-0`, holding 5 % of them: at 1,000,000 comments, 100,000 articles and
a live blog of 50,000); 40 % top-level, 60 % replies to an earlier comment
of the same thread (some chains deeper than five); 2 % spam, 1 % deleted; German and
Vietnamese text with entities and markup; 5,000 distinct authors with emails.
Deterministic (seeded), so runs compare.
"""
import random
import sys

PER_THREAD = 50
TEXTS = [
    "<p>Grüße aus Köln &amp; danke für den <b>Artikel</b>!</p>",
    "<p>Bài viết rất hay! Cảm ơn tác giả.</p><p>Đồng ý với ý kiến trên.</p>",
    "<p>Siehe <a href=\"https://example.org/quelle\">Quelle</a> &ndash; dort steht es anders.</p>",
    "<p>Ich stimme zu, aber 3 &lt; 5 und *das* bleibt Text.</p>",
]


def disqus(n, out, live=False):
    rnd = random.Random(17)
    w = out.write
    w('<?xml version="1.0" encoding="utf-8"?>\n')
    w('<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">\n')
    if live:
        # The live blog first, then the rest spread evenly over the other articles.
        blog = n // 20
        others = max(n // 10 - 1, 1)
        sizes = [blog] + [(n - blog) // others + (1 if k < (n - blog) % others else 0)
                          for k in range(others)]
    else:
        sizes = [min(PER_THREAD, n - k) for k in range(0, n, PER_THREAD)]
    for t in range(len(sizes)):
        w(f'  <thread dsq:id="t{t}">\n    <id>bench-{t}</id>\n'
          f'    <link>https://zeitung.de/bench/{t}</link>\n'
          f'    <title>Artikel {t}: Bürgerhaushalt &amp; Hành chính</title>\n'
          f'    <createdAt>2020-01-01T00:00:00Z</createdAt>\n'
          f'    <isClosed>false</isClosed>\n    <isDeleted>false</isDeleted>\n  </thread>\n')
    i = 0
    for t, size in enumerate(sizes):
        first = i
        for i in range(first, first + size):
            parent = ""
            if i > first and rnd.random() < 0.6:
                parent = f'\n    <parent dsq:id="{rnd.randint(max(first, i - 5), i - 1)}" />'
            a = rnd.randrange(5000)
            spam = "true" if rnd.random() < 0.02 else "false"
            deleted = "true" if rnd.random() < 0.01 else "false"
            w(f'  <post dsq:id="{i}">\n'
              f'    <message><![CDATA[{TEXTS[i % len(TEXTS)]}<p>#{i}</p>]]></message>\n'
              f'    <createdAt>2020-01-01T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}Z</createdAt>\n'
              f'    <isDeleted>{deleted}</isDeleted>\n    <isSpam>{spam}</isSpam>\n'
              f'    <author><name>Leser {a}</name><email>leser{a}@example.de</email></author>\n'
              f'    <thread dsq:id="t{t}" />{parent}\n  </post>\n')
        i = first + size
    w('</disqus>\n')


def wordpress(n, out):
    rnd = random.Random(17)
    w = out.write
    w('<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" '
      'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
      'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">\n'
      '<channel>\n<title>Bench</title>\n<link>https://blog.example.org</link>\n'
      '<wp:wxr_version>1.2</wp:wxr_version>\n')
    i = 0
    post = 0
    while i < n:
        post += 1
        w(f'<item>\n<title>Beitrag {post}</title>\n<link>https://blog.example.org/p/{post}/</link>\n'
          f'<wp:post_id>{post}</wp:post_id>\n<wp:post_date_gmt>2020-01-01 00:00:00</wp:post_date_gmt>\n'
          f'<wp:comment_status>open</wp:comment_status>\n<wp:post_type>post</wp:post_type>\n')
        first = i + 1
        for _ in range(min(PER_THREAD, n - i)):
            i += 1
            parent = rnd.randint(max(first, i - 5), i - 1) if i > first and rnd.random() < 0.6 else 0
            a = rnd.randrange(5000)
            approved = rnd.choices(["1", "0", "spam", "trash"], [95, 2, 2, 1])[0]
            w(f'<wp:comment>\n<wp:comment_id>{i}</wp:comment_id>\n'
              f'<wp:comment_author><![CDATA[Leser {a}]]></wp:comment_author>\n'
              f'<wp:comment_author_email>leser{a}@example.de</wp:comment_author_email>\n'
              f'<wp:comment_date_gmt>2020-01-01 00:00:00</wp:comment_date_gmt>\n'
              f'<wp:comment_content><![CDATA[{TEXTS[i % len(TEXTS)]}\n#{i}]]></wp:comment_content>\n'
              f'<wp:comment_approved>{approved}</wp:comment_approved>\n'
              f'<wp:comment_type>comment</wp:comment_type>\n'
              f'<wp:comment_parent>{parent}</wp:comment_parent>\n</wp:comment>\n')
        w('</item>\n')
    w('</channel>\n</rss>\n')


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("disqus", "disqus-live", "wordpress"):
        sys.exit("usage: generate.py disqus|disqus-live|wordpress COMMENTS")
    out = open(sys.stdout.fileno(), "w", encoding="utf-8", buffering=1 << 20, closefd=False)
    n = int(sys.argv[2])
    if sys.argv[1] == "wordpress":
        wordpress(n, out)
    else:
        disqus(n, out, live=sys.argv[1] == "disqus-live")
    out.flush()
