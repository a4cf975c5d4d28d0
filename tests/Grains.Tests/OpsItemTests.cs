using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Operations;

namespace CaaS.Grains.Tests;

/// <summary>ADM-5: what raising, acknowledging and resolving do to an ops item, and where its shelf is.</summary>
public sealed class OpsItemRulesTests
{
    private static readonly DateTimeOffset Monday = new(2026, 11, 23, 23, 30, 0, TimeSpan.Zero);

    [Fact]
    public void ADM_5_a_raise_again_counts_the_occurrence_keeps_the_first_raise_and_reopens_a_resolved_item()
    {
        var first = OpsItemRules.Raised(null, Item("a-1", Monday, "first"));
        var again = OpsItemRules.Raised(first, Item("a-1", Monday.AddDays(2), "second"));
        var resolved = OpsItemRules.Resolved(again, "ops-ann", "fixed", Monday.AddDays(3));
        var reopened = OpsItemRules.Raised(resolved, Item("a-1", Monday.AddDays(4), "third"));

        Assert.Equal((OpsItemStatus.Open, 1, Monday), (first.Status, first.Occurrences, first.LastRaisedAt));
        Assert.Equal((OpsItemStatus.Open, 2, "second", Monday, Monday.AddDays(2)), (again.Status, again.Occurrences, again.Detail, again.RaisedAt, again.LastRaisedAt));
        Assert.Equal((OpsItemStatus.Open, 3, null, null), (reopened.Status, reopened.Occurrences, reopened.ResolvedBy, reopened.ResolvedAt));
        Assert.Equal("reopened; earlier resolution: fixed", reopened.Resolution);
        Assert.Equal(OpsShelves.OpenShelfOf(first), OpsShelves.OpenShelfOf(reopened));
    }

    [Fact]
    public void ADM_5_acknowledging_twice_is_harmless_a_resolved_item_cannot_be_and_resolving_twice_keeps_the_first()
    {
        var acknowledged = OpsItemRules.Acknowledged(OpsItemRules.Raised(null, Item("a-2", Monday)), "ops-ann", Monday.AddHours(1));
        var resolved = OpsItemRules.Resolved(acknowledged, "ops-ann", "first word", Monday.AddHours(2));

        Assert.Same(acknowledged, OpsItemRules.Acknowledged(acknowledged, "ops-bob", Monday.AddHours(3)));
        Assert.Same(resolved, OpsItemRules.Resolved(resolved, "ops-bob", "second word", Monday.AddHours(3)));
        Assert.Equal(ErrorCodes.InvalidState, Assert.Throws<DomainException>(() => OpsItemRules.Acknowledged(resolved, "ops-bob", Monday)).Code);
    }

    [Fact]
    public void ADM_5_an_item_is_shelved_by_kind_and_utc_day_first_raised_and_archived_by_day_resolved_without_a_body()
    {
        var letter = Item("dead-letter/factory:m-1", Monday.ToOffset(TimeSpan.FromHours(2)), kind: OpsItemKind.DeadLetter, body: "{}");
        var resolved = OpsItemRules.Resolved(OpsItemRules.Raised(null, letter), "ops-ann", "replayed", Monday.AddDays(1));

        Assert.StartsWith("open/DeadLetter/2026-11-23/", OpsShelves.OpenShelfOf(letter), StringComparison.Ordinal);
        Assert.StartsWith("archive/DeadLetter/2026-11-24/", OpsShelves.ArchiveShelfOf(resolved), StringComparison.Ordinal);
        Assert.Equal("open/DeadLetter", OpsShelves.DirectoryOf(OpsShelves.OpenShelfOf(letter)));
        Assert.Equal(new DateOnly(2026, 11, 24), OpsShelves.DayOf(OpsShelves.ArchiveShelfOf(resolved)));
        Assert.False(OpsShelves.Shelved(letter).Data.ContainsKey(DeadLetterData.Body));
        Assert.Equal("x", OpsShelves.Shelved(letter).Data["header"]);
        Assert.True(OpsShelves.Same(letter, letter with { Data = new Dictionary<string, string>(letter.Data) }));
        Assert.False(OpsShelves.Same(letter, letter with { Data = new Dictionary<string, string>(letter.Data) { ["header"] = "y" } }));
    }

    internal static OpsItem Item(string id, DateTimeOffset at, string detail = "detail", OpsItemKind kind = OpsItemKind.Alert, string? body = null)
    {
        var data = new Dictionary<string, string> { ["header"] = "x" };
        if (body is not null)
        {
            data[DeadLetterData.Body] = body;
        }

        return new OpsItem(id, kind, "Something failed", detail, "factoryOrder", id, at, data);
    }
}
