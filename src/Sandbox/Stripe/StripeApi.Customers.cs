using Microsoft.Extensions.Primitives;

namespace CaaS.Sandbox.Stripe;

/// <summary>
/// Stripe Customers, as far as an erasure needs them (SEC-7): create, read, search by one metadata
/// clause, delete. A deleted Customer reads as Stripe answers it, {id, object, deleted: true}.
/// </summary>
public static partial class StripeApi
{
    private static void MapCustomers(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v1/customers", (HttpContext http, StripeLedger ledger, StripeEvents events, StripeCustomers customers) =>
            PostAsync(http, ledger, events, form => CreateCustomer(ledger, customers, form)));
        endpoints.MapGet("/v1/customers/search", (string? query, HttpContext http, StripeLedger ledger, StripeCustomers customers) =>
            Get(http, ledger, () => SearchCustomers(customers, query)));
        endpoints.MapGet("/v1/customers/{id}", (string id, HttpContext http, StripeLedger ledger, StripeCustomers customers) => Get(http, ledger, () =>
            customers.Find(id) is { } customer ? new Outcome(200, customer.Deleted ? Gone(customer) : customer, []) : MissingCustomer(id)));
        endpoints.MapDelete("/v1/customers/{id}", (string id, HttpContext http, StripeLedger ledger, StripeCustomers customers) => Get(http, ledger, () =>
        {
            if (customers.Find(id) is not { Deleted: false } customer)
            {
                return MissingCustomer(id);
            }

            customer.Deleted = true;
            customer.Email = null;
            customer.Name = null;
            return new Outcome(200, Gone(customer), []);
        }));
    }

    private static Outcome CreateCustomer(StripeLedger ledger, StripeCustomers customers, Dictionary<string, StringValues> form)
    {
        var metadata = form.Where(pair => pair.Key.StartsWith("metadata[", StringComparison.Ordinal) && pair.Key.EndsWith(']'))
            .ToDictionary(pair => pair.Key["metadata[".Length..^1], pair => pair.Value.ToString(), StringComparer.Ordinal);
        var customer = new StripeCustomers.Customer("cus_" + StripeLedger.NewId(), ledger.Now, metadata)
        {
            Email = form.GetValueOrDefault("email").ToString() is { Length: > 0 } email ? email : null,
            Name = form.GetValueOrDefault("name").ToString() is { Length: > 0 } name ? name : null,
        };
        customers.Add(customer);
        return new Outcome(200, customer, []);
    }

    private static Outcome SearchCustomers(StripeCustomers customers, string? query)
    {
        var match = query is null ? null : MetadataQuery().Match(query);
        if (match is not { Success: true })
        {
            return Error(400, "invalid_request_error", "parameter_invalid_string", "Only metadata['key']:'value' queries are supported by the sandbox.", "query");
        }

        var data = customers.WithMetadata(match.Groups["key"].Value, match.Groups["value"].Value).ToArray();
        return new Outcome(200, new { @object = "search_result", data, has_more = false, next_page = (string?)null, url = "/v1/customers/search" }, []);
    }

    private static object Gone(StripeCustomers.Customer customer) => new { id = customer.Id, @object = "customer", deleted = true };

    private static Outcome MissingCustomer(string id) =>
        Error(404, "invalid_request_error", "resource_missing", $"No such customer: '{id}'", "id");
}

/// <summary>The sandbox's Stripe Customers; read and written under <see cref="StripeLedger.Gate"/>, as every Stripe route is.</summary>
public sealed class StripeCustomers
{
    private readonly List<Customer> _customers = [];

    public void Add(Customer customer) => _customers.Add(customer);

    public Customer? Find(string id) => _customers.Find(customer => customer.Id == id);

    /// <summary>Stripe's search leaves deleted Customers out.</summary>
    public IEnumerable<Customer> WithMetadata(string key, string value) =>
        _customers.Where(customer => !customer.Deleted && customer.Metadata.TryGetValue(key, out var held) && held == value);

    public sealed record Customer(string Id, long Created, Dictionary<string, string> Metadata)
    {
        public string Object => "customer";

        public string? Email { get; set; }

        public string? Name { get; set; }

        public bool Livemode => false;

        [System.Text.Json.Serialization.JsonIgnore]
        public bool Deleted { get; set; }
    }
}
