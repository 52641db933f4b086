namespace Strongroom.Api.Tests.Support;

public static class Repository
{
    /// <summary>The checkout the tests were built from (the folder holding Strongroom.slnx).</summary>
    public static string Root()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Strongroom.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Strongroom.slnx not found above the test binaries.");
    }
}
