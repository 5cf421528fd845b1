/** An article's title (its key when it has none), linked to its page when the URL is known. */
interface Named { key: string; title?: string | null; url?: string | null }

export function ArticleTitle({ article }: { article: Named }) {
  const name = article.title || article.key;
  // Only web addresses become links (the API accepts no others; this keeps it so).
  if (article.url && /^https?:\/\//i.test(article.url)) {
    return <a class="article-link" href={article.url} target="_blank" rel="noopener noreferrer">{name}</a>;
  }
  return <span>{name}</span>;
}
