using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Strongroom.Features.Ledger;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Database;

namespace Strongroom.Api.Tests.Ledger;

/// <summary>
/// A transfer's reference as the ledger writer decides it for a group of commands in one
/// transaction (<see cref="LedgerBatch.Decide"/> over one <see cref="LedgerWorkSet"/>, no
/// database): what the store loaded as taken, what an earlier command of the group posted, and
/// what a refused command left behind (nothing).
/// </summary>
public sealed class ReferenceDecisionTests : IAsyncDisposable
{
    private const long Now = 1_700_000_000_000_000;

    private static readonly Caller Alice = new("usr_alice", IsStaff: false);

    private readonly LedgerBatch _batch = new(new SqlDatabase(Options.Create(new DatabaseOptions())), TimeProvider.System, new LedgerOptions());

    public ValueTask DisposeAsync() => _batch.DisposeAsync();

    [Fact]
    public void The_second_command_of_a_group_with_the_same_source_and_reference_is_reference_taken()
    {
        var work = Books();

        var first = _batch.Decide(work, Post(Transfer("trf_1", "acc_a", "ref-1")));
        var second = _batch.Decide(work, Post(Transfer("trf_2", "acc_a", "ref-1")));
        var otherSource = _batch.Decide(work, Post(Transfer("trf_3", "acc_b", "ref-1")));

        Assert.Equal(StatusCodes.Status201Created, first.Status);
        Assert.Equal(StatusCodes.Status409Conflict, second.Status);
        Assert.Equal(TransferReferences.TakenCode, second.Code);
        Assert.Equal(StatusCodes.Status201Created, otherSource.Status);
        Assert.Equal(["trf_1", "trf_3"], work.NewTransfers.Select(t => t.Id));
    }

    [Fact]
    public void A_reference_the_store_loaded_as_taken_is_refused_and_moves_nothing()
    {
        var work = Books();
        work.TakenReferences.Add(("acc_a", "ref-1"));

        var outcome = _batch.Decide(work, Post(Transfer("trf_1", "acc_a", "ref-1")));

        Assert.Equal(TransferReferences.TakenCode, outcome.Code);
        Assert.Empty(work.NewTransfers);
        Assert.Empty(work.ChangedAccounts);
    }

    [Fact]
    public void A_refused_batch_leaves_its_references_free_for_the_next_command()
    {
        var work = Books();

        var refused = _batch.Decide(work, Post(Transfer("trf_1", "acc_a", "ref-1"), Transfer("trf_2", "acc_a", "ref-1")));
        var next = _batch.Decide(work, Post(Transfer("trf_3", "acc_a", "ref-1")));

        Assert.Equal(StatusCodes.Status409Conflict, refused.Status);
        Assert.Contains("\"index\":1", refused.Body, StringComparison.Ordinal);
        Assert.Equal(StatusCodes.Status201Created, next.Status);
        Assert.Equal(["trf_3"], work.NewTransfers.Select(t => t.Id));
    }

    private static LedgerWorkSet Books()
    {
        var work = new LedgerWorkSet(Now);
        foreach (var id in new[] { "acc_a", "acc_b", "acc_c" })
        {
            work.Accounts[id] = new AccountState { Id = id, OwnerId = Alice.UserId, Kind = AccountKinds.Customer, Currency = "EUR", Status = AccountStatuses.Active, Posted = 1_000 };
        }

        return work;
    }

    private static TransferInstruction Transfer(string id, string from, string reference) =>
        new(id, TransferKind.Transfer, from, "acc_c", 10, "EUR", Description: null, Metadata: null, Hold: false, HoldExpiresAt: null, reference);

    private static PostTransfers Post(params TransferInstruction[] transfers) =>
        new(new CommandOrigin(Alice, Guid.NewGuid().ToString("N"), "request-hash", "trace")) { Transfers = transfers, IsBatch = transfers.Length > 1 };
}
