namespace Strongroom.Infrastructure.Events;

/// <summary>
/// An event's id is <c>evt_</c> and its sequence in 13 Crockford base32 digits (64 bits, zero
/// padded): ids sort as the events were committed, and the id alone finds the row.
/// </summary>
public static class EventIds
{
    public const string Prefix = "evt";

    /// <summary>What every event id looks like (the OpenAPI <c>pattern</c> of <c>id</c>).</summary>
    public const string Pattern = "^evt_[0-9a-hjkmnp-tv-z]{13}$";
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
    private const int Digits = 13;

    public static string Format(long sequence)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sequence);
        Span<char> id = stackalloc char[Prefix.Length + 1 + Digits];
        Prefix.CopyTo(id);
        id[Prefix.Length] = '_';
        var value = (ulong)sequence;
        for (var i = id.Length - 1; i > Prefix.Length; i--)
        {
            id[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }

        return new string(id);
    }

    /// <summary>The sequence an id names; false for anything that is not an event id (so a 404, never a 500).</summary>
    public static bool TryParse(string? id, out long sequence)
    {
        sequence = 0;
        if (id is null || id.Length != Prefix.Length + 1 + Digits || !id.StartsWith(Prefix + "_", StringComparison.Ordinal))
        {
            return false;
        }

        ulong value = 0;
        for (var i = Prefix.Length + 1; i < id.Length; i++)
        {
            var digit = Alphabet.IndexOf(id[i], StringComparison.Ordinal);
            if (digit < 0)
            {
                return false;
            }

            value = (value << 5) | (uint)digit;
        }

        // 13 digits hold 65 bits: the first may be at most 0xf (a long's 64), and 0 is no event.
        if (id[Prefix.Length + 1] > 'f' || value == 0 || value > long.MaxValue)
        {
            return false;
        }

        sequence = (long)value;
        return true;
    }
}
