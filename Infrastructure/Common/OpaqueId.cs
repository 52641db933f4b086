namespace Strongroom.Infrastructure.Common;

/// <summary>
/// Resource identifiers: a type prefix and a UUIDv7 in lowercase Crockford base32 (<c>acc_06f2…</c>).
/// Not guessable (62 random bits), not sequential integers, yet ordered by creation time, which
/// keeps B-tree inserts at the right edge and gives keyset pagination a stable order.
/// </summary>
public static class OpaqueId
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
    private const int EncodedLength = 26;
    private static readonly System.Buffers.SearchValues<char> AlphabetValues = System.Buffers.SearchValues.Create(Alphabet);
    private static readonly Lock Clock = new();
    private static long _lastMilliseconds;
    private static int _counter;

    public static string New(string prefix, TimeProvider time) => Encode(prefix, NewVersion7(time));

    /// <summary>
    /// A UUIDv7 that is monotonic within this process (RFC 9562 §6.2, method 1): the 12 bits after
    /// the millisecond timestamp count up within a millisecond, so ids made one after another sort
    /// in that order. <see cref="Guid.CreateVersion7()"/> fills them at random instead.
    /// </summary>
    private static Guid NewVersion7(TimeProvider time)
    {
        long milliseconds;
        int counter;
        lock (Clock)
        {
            milliseconds = Math.Max(time.GetUtcNow().ToUnixTimeMilliseconds(), _lastMilliseconds);
            if (milliseconds == _lastMilliseconds)
            {
                if (++_counter > 0xFFF)
                {
                    milliseconds = ++_lastMilliseconds;
                    _counter = 0;
                }
            }
            else
            {
                _lastMilliseconds = milliseconds;
                _counter = 0;
            }

            counter = _counter;
        }

        Span<byte> bytes = stackalloc byte[16];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes[8..]);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes, milliseconds << 16);
        bytes[6] = (byte)(0x70 | (counter >> 8));
        bytes[7] = (byte)counter;
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return new Guid(bytes, bigEndian: true);
    }

    public static string Encode(string prefix, Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        var hi = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes);
        var lo = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        var value = ((UInt128)hi << 64) | lo;

        return string.Create(prefix.Length + 1 + EncodedLength, (prefix, value), static (span, state) =>
        {
            state.prefix.AsSpan().CopyTo(span);
            span[state.prefix.Length] = '_';
            var digits = span[(state.prefix.Length + 1)..];
            var rest = state.value;
            for (var i = EncodedLength - 1; i >= 0; i--)
            {
                digits[i] = Alphabet[(int)(rest & 31)];
                rest >>= 5;
            }
        });
    }

    /// <summary>Cheap shape check so that garbage never reaches the database.</summary>
    public static bool IsWellFormed(string prefix, string? candidate) =>
        candidate is not null
        && candidate.Length == prefix.Length + 1 + EncodedLength
        && candidate.StartsWith(prefix, StringComparison.Ordinal)
        && candidate[prefix.Length] == '_'
        && candidate.AsSpan(prefix.Length + 1).IndexOfAnyExcept(AlphabetValues) < 0;
}
