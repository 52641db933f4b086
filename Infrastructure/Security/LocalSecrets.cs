namespace Strongroom.Infrastructure.Security;

/// <summary>
/// Keys generated for Development and the embedded default only, kept in <c>data/</c> (owner
/// read/write only) so they survive a restart. Production configures its keys instead.
/// </summary>
internal static class LocalSecrets
{
    public static byte[]? TryDecode(string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            return null;
        }

        var buffer = new byte[base64.Length];
        return Convert.TryFromBase64String(base64.Trim(), buffer, out var written) ? buffer[..written] : null;
    }

    public static byte[] LoadOrCreate(string path, int length)
    {
        if (File.Exists(path))
        {
            return Read(path);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(length);
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, fileOptions))
        {
            stream.Write(System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(key)));
        }

        try
        {
            // The rename is atomic: a concurrent reader sees no key or a whole key, never half of one.
            File.Move(temporary, path, overwrite: false);
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another instance made it first: use theirs.
            File.Delete(temporary);
            return Read(path);
        }
    }

    private static byte[] Read(string path) =>
        TryDecode(File.ReadAllText(path)) ?? throw new InvalidOperationException($"{path} does not hold a base64 key.");
}
