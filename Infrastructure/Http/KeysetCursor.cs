using System.Buffers.Text;
using System.Text;

namespace Strongroom.Infrastructure.Http;

/// <summary>
/// Opaque page cursors for keyset pagination: the key of the last row a page returned, wrapped
/// so clients treat it as a token and we can change what it holds later.
/// </summary>
public static class KeysetCursor
{
    private const string Version = "k1:";

    public static string Encode(string lastKey) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Version + lastKey));

    /// <summary>The key inside <paramref name="cursor"/>, or null when it is not one of ours.</summary>
    public static string? Decode(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor) || cursor.Length > 512)
        {
            return null;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            return text.StartsWith(Version, StringComparison.Ordinal) && text.Length > Version.Length ? text[Version.Length..] : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
