using System.Text.RegularExpressions;
using CaaS.Grains.Flows;
using CaaS.Grains.Orders;
using CaaS.Grains.Rentals;
using CaaS.Grains.Services;

namespace CaaS.Grains.Tests.Flows;

/// <summary>docs/architecture.md draws each saga's state machine; the drawing must be the table, move for move.</summary>
public sealed partial class ArchitectureDocTests
{
    [Theory]
    [InlineData("Reservation (rental)")]
    [InlineData("Factory order")]
    [InlineData("Service purchase")]
    [InlineData("OTA command")]
    public void The_diagram_of_each_saga_is_its_transition_table(string heading)
    {
        var (starts, moves) = Diagram(heading);

        var (tableStarts, tableMoves) = heading switch
        {
            "Reservation (rental)" => Of(ReservationFlow.Table),
            "Factory order" => Of(FactoryOrderFlow.Table),
            "Service purchase" => Of(ServicePurchaseFlow.Table),
            _ => Of(OtaSchedule.Table),
        };
        Assert.Equal(tableStarts.Order(), starts.Order());
        Assert.Equal(tableMoves.Order(), moves.Order());
    }

    private static (IEnumerable<string> Starts, IEnumerable<string> Moves) Of<TStatus>(FlowTable<TStatus> table) where TStatus : struct, Enum =>
        (table.Starts.Select(start => start.ToString()), table.Moves.Select(move => $"{move.From} --> {move.To}"));

    private static (List<string> Starts, List<string> Moves) Diagram(string heading)
    {
        var document = File.ReadAllText(Path.Combine(TestSupport.Repository.Root, "docs", "architecture.md"));
        var section = document[(document.IndexOf("### " + heading + "\n", StringComparison.Ordinal) + heading.Length + 5)..];
        var diagram = section[..section.IndexOf("```\n", section.IndexOf("```mermaid", StringComparison.Ordinal) + 10, StringComparison.Ordinal)];
        var edges = Edge().Matches(diagram).Select(match => (From: match.Groups[1].Value, To: match.Groups[2].Value)).ToList();
        Assert.NotEmpty(edges);
        return ([.. edges.Where(edge => edge.From == "[*]").Select(edge => edge.To)],
            [.. edges.Where(edge => edge.From != "[*]").Select(edge => $"{edge.From} --> {edge.To}")]);
    }

    [GeneratedRegex(@"^\s*(\[\*\]|\w+) --> (\w+)\s*$", RegexOptions.Multiline)]
    private static partial Regex Edge();
}
