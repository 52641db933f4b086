using Strongroom.Infrastructure.Common;

namespace Strongroom.Api.Tests.Database;

public sealed class OpaqueIdTests
{
    [Fact]
    public void Ids_made_one_after_another_sort_in_that_order_and_are_well_formed()
    {
        // Thousands within a few milliseconds: the order must come from more than the clock.
        var ids = Enumerable.Range(0, 5000).Select(_ => OpaqueId.New("acc", TimeProvider.System)).ToList();

        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.True(OpaqueId.IsWellFormed("acc", id), id));
    }
}
