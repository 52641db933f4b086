namespace Strongroom.Infrastructure.Common;

/// <summary>
/// Resource identifiers: a type prefix and a UUIDv7 in lowercase Crockford base32 (<c>acc_06f2…</c>).
/// Not guessable, not sequential integers, yet ordered by creation time, which keeps B-tree inserts
/// at the right edge and gives keyset pagination a stable order.
/// </summary>
public static class OpaqueId
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
    private const int EncodedLength = 26;

    public static string New(string prefix, TimeProvider time) => Encode(prefix, Guid.CreateVersion7(time.GetUtcNow()));

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
        && candidate.AsSpan(prefix.Length + 1).IndexOfAnyExcept(Alphabet) < 0;
}
