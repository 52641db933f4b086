using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Strongroom.Infrastructure.Http;

namespace Strongroom.Features.Common;

/// <summary>
/// The query of every keyset-paginated list, bound with <c>[AsParameters]</c> (eShop's
/// <c>PaginationRequest</c>): <c>limit</c>, 1 to 100 (default 20), and the <c>cursor</c> a previous
/// page returned. The cursor is read here and refused here, the same way for every list.
/// </summary>
public sealed class PageRequest
{
    [FromQuery(Name = "limit")]
    [Range(1, Paging.MaxLimit)]
    [Display(Name = "limit")]
    [Description("How many items the page holds at most: 1 to 100, 20 when absent.")]
    public int? Limit { get; init; }

    [FromQuery(Name = "cursor")]
    [Description("The nextCursor of the previous page; absent for the first page.")]
    public string? Cursor { get; init; }

    /// <summary>How many items the page holds at most.</summary>
    public int Take => Limit ?? Paging.DefaultLimit;

    /// <summary>How many rows to fetch: one more than <see cref="Take"/> tells whether another page exists, without a COUNT.</summary>
    public int Fetch => Take + 1;

    /// <summary>
    /// For a list in ascending order of a string key: the key the page starts after (<c>""</c> for
    /// the first page). False when the cursor is not one this API returned.
    /// </summary>
    public bool TryAfter(out string after)
    {
        var key = Cursor is null ? "" : KeysetCursor.Decode(Cursor);
        after = key ?? "";
        return key is not null;
    }

    /// <summary>
    /// For a list in descending order of a sequence number: the number the page starts below
    /// (<see cref="long.MaxValue"/> for the first page). False when the cursor is not one this API returned.
    /// </summary>
    public bool TryBefore(out long before)
    {
        before = long.MaxValue;
        return Cursor is null || long.TryParse(KeysetCursor.Decode(Cursor), NumberStyles.None, CultureInfo.InvariantCulture, out before);
    }

    /// <summary>
    /// For a list in ascending order of a sequence number: the number the page starts after (0 for
    /// the first page). False when the cursor is not one this API returned.
    /// </summary>
    public bool TryAfterSequence(out long after)
    {
        after = 0;
        return Cursor is null || long.TryParse(KeysetCursor.Decode(Cursor), NumberStyles.None, CultureInfo.InvariantCulture, out after);
    }

    /// <summary>The answer to a cursor this API did not return.</summary>
    public static ProblemHttpResult InvalidCursor() => ApiProblems.BadRequest("invalid_cursor", "cursor is not one this API returned.");
}
