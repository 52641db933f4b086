namespace Strongroom.Features.Common;

/// <summary>One page of a keyset-paginated list; <c>nextCursor</c> is null on the last page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

public static class Paging
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    /// <summary>
    /// A page from rows fetched with one more than <paramref name="take"/>: the extra row only says
    /// another page exists (no COUNT), and the last item's key becomes the opaque cursor.
    /// </summary>
    public static Page<TItem> From<TRow, TItem>(IReadOnlyList<TRow> rows, int take, Func<TRow, TItem> map, Func<TItem, string> key)
    {
        var items = rows.Take(take).Select(map).ToList();
        return new Page<TItem>(items, rows.Count > take ? Strongroom.Infrastructure.Http.KeysetCursor.Encode(key(items[^1])) : null);
    }
}
