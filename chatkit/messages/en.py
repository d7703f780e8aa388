"""What chatkit tells a learner, in English: the source catalogue (chatkit/messages/zh.py follows it).

Keys are grouped by the module that says them. Fields in braces are filled in with
``str.format``: keep each one in a translation; ``{{`` is a literal brace.
"""

MESSAGES = {
    # --- chatkit/failures.py: how an Explanation is shown --------------------------------
    "explanation.text": "✗ {what}\n  Likely cause: {cause}\n  What to do: {fix}\n  Retry? {retry}",
    "explanation.line": "{what} Fix: {fix}",
    "error.fix": " Fix: {fix}",
    "error.docs": " (See {docs})",
    "explanation.line_docs": "{what} Fix: {fix} (See {docs})",
    "explanation.retry_yes": "Yes: wait a little and send it again (the SDK does this for you, see max_retries).",
    "explanation.retry_no": "No: the same request will fail the same way.",
    # the status and code an explanation quotes: "(401 invalid_api_key)"
    "explanation.said": " ({status})",
    "explanation.said_code": " ({status} {code})",
    # the labels of the HTML table: the same words as in explanation.text
    "explanation.cause": "Likely cause",
    "explanation.fix": "What to do",
    "explanation.retry": "Retry?",
    "explanation.yes": "yes",
    "explanation.no": "no",

    # --- chatkit/failures.py: explain(), one entry per kind of failure -------------------
    "explain.none.what": "No error to explain.",
    "explain.none.cause": "Nothing has failed yet in this session.",
    "explain.none.fix": "Pass the exception: except Exception as exc: chatkit.explain(exc).",
    "explain.unknown.what": "Unexpected error: {error}: {text}.",
    "explain.unknown.cause": "not one of the usual API errors; the traceback shows where it came from.",
    "explain.unknown.fix": "Read the traceback from the bottom up; if it points into chatkit, please report it.",
    "explain.chatkit.cause": "see the message above.",
    "explain.chatkit.fix": "See the docs.",
    "explain.missing_key.what": "The client has no API key.",
    "explain.missing_key.cause": "OPENAI_API_KEY is not set, and no api_key= was given.",
    "explain.missing_key.fix": "Use chatkit.connect() (the sandbox needs no key), or save your key to .env "
                               "(notebook 02) and restart the kernel.",
    "explain.no_key_sent.what": "No API key reached the server{said}.",
    "explain.no_key_sent.cause": "the client was made without a key, or the key variable is empty.",
    "explain.no_key_sent.fix": "Save your key to .env (notebook 02), restart the kernel, and use chatkit.connect().",
    "explain.wrong_key.what": "The server refused the key {key}{said}: {message}.",
    "explain.wrong_key.cause": "the key is mistyped, revoked, or made for another server or provider.",
    "explain.wrong_key.fix": "Copy the key again from the provider's API keys page (or create a new one), save it "
                             "to .env, restart the kernel, and check it with chatkit.verify(client).",
    "explain.wrong_key.fix_class": "A class key (sk-class-…) comes from your teacher, who can also have revoked or "
                                   "replaced it: ask them for your current key, then run python -m chatkit classroom "
                                   "join URL again (or put it in .env) and restart the kernel.",
    "explain.wrong_key.fix_sandbox": "Copy the key again (one wrong character is enough), or make a new one with: "
                                     "python -m chatkit keys create --save. A sandbox key works only with the "
                                     "sandbox whose data folder made it (add --data-dir DIR if yours uses another "
                                     "folder).",
    "explain.region.what": "The provider does not serve your country or region{said}.",
    "explain.region.cause": "OpenAI refuses requests from some places (including mainland China, Hong Kong and "
                            "Macau).",
    "explain.region.fix": "Use a provider that serves your region (notebook 01), or the offline sandbox.",
    "explain.permission.what": "The key {key} may not do this{said}: {message}.",
    "explain.permission.cause": "a restricted key without this permission, or a project without access to this "
                                "model.",
    "explain.permission.fix": "Give the key the permission (API keys page, Permissions) or use another model.",
    "explain.model.what": "The server has no model named {model!r}{said}.",
    "explain.model.cause": "a typo in the model name, or a model this server (or your project) does not offer.",
    "explain.model.fix": "Pick a model from the list (client.models.list() shows them all), or set CHATKIT_MODEL "
                         "in .env.",
    "explain.url.what": "The server has no endpoint {path}{said}.",
    "explain.url.cause": "a base URL without /v1 (or with it twice), or a provider that lacks this API: many "
                         "compatible providers offer Chat Completions but not the Responses API.",
    "explain.url.fix": "Check OPENAI_BASE_URL; if the provider lacks the endpoint, use "
                       "client.chat.completions.create instead.",
    "explain.quota.what": "The account may not spend more{said}.",
    "explain.quota.cause": "{reason}: this is billing, not speed.",
    "explain.quota.fix": "Add credit on the billing page, or ask for a higher limit; in the sandbox, "
                         "box.limits.reset(). Waiting will not help.",
    "explain.quota.fix_spend_limit": "Raise or remove the spend limit (Settings, Limits), or wait for the monthly "
                                     "reset; in the sandbox, box.limits.reset(). Waiting will not help.",
    # the reason of a billing 429, by its code (chatkit.failures.BILLING)
    "billing.credit_balance_exhausted": "the account has no prepaid credit left",
    "billing.organization_usage_limit_exceeded": "the organization reached the usage limit OpenAI gave it",
    "billing.organization_spend_limit_exceeded": "the organization reached the spend limit set on it",
    "billing.project_spend_limit_exceeded": "this project reached the spend limit set on it",
    "billing.insufficient_quota": "no credit left, or a spend or usage limit reached",
    "explain.over_limit.what": "The request is larger than the rate limit allows{said}: {message}.",
    "explain.over_limit.cause": "one request needs more tokens per minute than the limit gives.",
    "explain.over_limit.fix": "Lower the output limit (max_output_tokens, or max_completion_tokens in Chat Completions) "
                              "or shorten the input; waiting will not help.",
    "explain.rate_limit.what": "Rate limit reached{said}: {message}.",
    "explain.rate_limit.cause": "too many requests or tokens per minute for your usage tier.",
    "explain.rate_limit.fix": "Wait a little and send it again; for many prompts, pace them (notebook 06).",
    "explain.rate_limit.fix_wait": "Wait {wait:g} s (the retry-after header) and send it again; for many prompts, "
                                   "pace them (notebook 06).",
    "explain.context_length.what": "The request is longer than the model's context window{said}.",
    "explain.context_length.cause": "a conversation or document that grew past what the model reads at once.",
    "explain.context_length.fix": "Trim the history (Conversation(client, budget=1500)), shorten the input, or "
                                  "lower the output limit (notebook 05).",
    "explain.not_multimodal.what": "This model cannot read that kind of input{said}: {message}.",
    "explain.not_multimodal.cause": "an image, audio or file sent to a model that reads text only (such as the "
                                    "sandbox's).",
    "explain.not_multimodal.fix": "Send text only, or use a model that reads images and audio (notebook 01 "
                                  "compares them).",
    "explain.too_large.what": "The request body is too large{said}: {message}.",
    "explain.too_large.cause": "a huge input, such as a whole file pasted into one message.",
    "explain.too_large.fix": "Send less text per request, or split the work (notebook 06).",
    "explain.reasoning_sampling.what": "The model refused '{param}'{said}: {message}.",
    "explain.reasoning_sampling.cause": "{model} is a reasoning model: at any reasoning effort but 'none' it picks its "
                                        "own words, so it takes no temperature, top_p or logprobs.",
    "explain.reasoning_sampling.fix": "Turn reasoning off to use '{param}' (reasoning={{'effort': 'none'}} in the "
                                      "Responses API, reasoning_effort='none' in Chat Completions) on a model that "
                                      "lists effort 'none', such as gpt-6-luna; or remove '{param}' (notebook 04).",
    "explain.reasoning_effort.what": "The model refused this reasoning effort{said}: {message}.",
    "explain.reasoning_effort.cause": "each model accepts its own efforts; a model that does not reason accepts "
                                      "none of them.",
    "explain.reasoning_effort.fix": "Use one of the efforts the message lists, or leave the effort out to get the "
                                    "model's default (chatkit.reasoning.efforts(model) lists them; notebook 04).",
    "explain.reasoning_max_tokens.what": "The model refused 'max_tokens'{said}: {message}.",
    "explain.reasoning_max_tokens.cause": "reasoning models take only the newer name of the output limit, which "
                                          "also covers their hidden reasoning tokens.",
    "explain.reasoning_max_tokens.fix": "Send max_completion_tokens instead of max_tokens, with room for the "
                                        "reasoning as well as the answer (notebook 03).",
    "explain.bad_request.what": "The server rejected the request{said}: {message}.",
    "explain.bad_request.what_param": "The server rejected the request{said}: {message}. Change the setting "
                                      "'{param}'.",
    "explain.bad_request.cause": "a parameter out of range, of the wrong type, or not supported by this model or "
                                 "API.",
    "explain.bad_request.fix": "Change the setting the message names (a value in range, or one this model takes) "
                               "and run again.",
    "explain.bad_request.fix_type": "Send the value as the type the message names: a number without quotes "
                                    "(\"seed\": 7, not \"seed\": \"7\"), true or false without quotes; then run again.",
    "explain.server_timeout.what": "The server timed out waiting for the request{said}.",
    "explain.server_timeout.cause": "a slow or interrupted upload.",
    "explain.server_timeout.fix": "Send it again.",
    "explain.server.what": "The server had a problem{said}: {message}.",
    "explain.server.cause": "an outage or overload on the provider's side, not your code.",
    "explain.server.fix": "Wait a few seconds and send it again; if it lasts, check the provider's status page.",
    "explain.http.what": "The server answered {status}: {message}.",
    "explain.http.cause": "see the server's message.",
    "explain.http.fix": "Read the message; if it is unclear, run 'python -m chatkit doctor'.",
    "explain.timeout.what": "The request timed out: no answer came in time.",
    "explain.timeout.cause": "a long generation, a busy server, or a slow network.",
    "explain.timeout.fix": "Send it again; if it keeps timing out, check your connection (and proxy), or give the "
                           "client more time: connect(timeout=120). A lower output limit (max_output_tokens) makes answers shorter.",
    "explain.host_not_found.what": "The host name {host!r} could not be found.",
    "explain.host_not_found.cause": "a typo in OPENAI_BASE_URL, or no network (or no DNS) on this machine.",
    "explain.host_not_found.fix": "Check the spelling of OPENAI_BASE_URL and that you are online.",
    "explain.refused.what": "Nothing is listening at {host}.",
    "explain.refused.cause": "nothing is listening at that address.",
    "explain.refused.cause_local": "the sandbox (or local server) is not running, or runs on another port.",
    "explain.refused.fix": "Start the server: chatkit.connect() starts the sandbox for you; for a server of your "
                           "own, start it or fix OPENAI_BASE_URL.",
    "explain.proxy.what": "The proxy refused or failed the connection to {host}.",
    "explain.proxy.cause": "a proxy setting (HTTPS_PROXY) that is wrong, or a proxy that blocks the provider.",
    "explain.proxy.fix": "Check HTTPS_PROXY / HTTP_PROXY, or ask whoever runs your network.",
    "explain.certificate.what": "The secure connection to {host} failed (certificate).",
    "explain.certificate.cause": "a network that intercepts HTTPS (company proxy), or a clock far off.",
    "explain.certificate.fix": "Ask for the proxy's certificate (SSL_CERT_FILE), or check the system clock.",
    "explain.network.what": "Could not reach {host}.",
    "explain.network.cause": "no network, a firewall or proxy, or the server went away mid-request.",
    "explain.network.fix": "Check your connection (and proxy settings), then send it again.",
    "explain.no_host": "the server",
    "explain.no_provider": "The provider",
    # content-safety refusals and finish reasons (chatkit/failures.py: REFUSALS, FILTERED)
    "explain.content_filter.what": "{provider}'s content filter refused the request{said}: {message}.",
    "explain.content_filter.what_input": "{provider}'s content filter refused your prompt{said}: {message}.",
    "explain.content_filter.what_output": "{provider}'s content filter stopped the model's answer{said}: {message}.",
    "explain.content_filter.cause": "the provider checks every prompt and answer against its content rules, and "
                                    "something in this request matched (the history, the system prompt and any "
                                    "file count too); harmless text is sometimes caught by mistake.",
    "explain.content_filter.fix": "Reword or remove the flagged part, then send it again: the same words fail the "
                                  "same way. In a conversation, drop the refused turn from the history, or every "
                                  "later request carries it. If harmless text keeps being refused, report it to "
                                  "the provider with the request id.",
    "explain.filtered.what": "{provider}'s content filter cut the answer (finish_reason {reason!r}).",
    "explain.filtered.cause": "the provider checks the answer while it is written and stopped it; what arrived "
                              "may be partial or empty.",
    "explain.filtered.fix": "Do not show or reuse the partial answer: remove it from the history before the next "
                            "turn, and ask in other words.",
    "explain.length.what": "The answer was cut at the output limit (finish_reason {reason!r}).",
    "explain.length.cause": "the model used every token max_tokens (max_completion_tokens, max_output_tokens) "
                            "allowed; a reasoning model's thinking counts too.",
    "explain.length.fix": "Raise the output limit, or ask for a shorter answer.",
    "explain.finished.what": "The answer is complete (finish_reason {reason!r}): nothing went wrong.",
    "explain.finished.cause": "the model stopped on its own (or to call a tool).",
    "explain.finished.fix": "Nothing to fix.",

    # --- chatkit/exercises/: the verdict of check() ---------------------------------------
    "exercises.not_done": "Not done yet. {hint}",
    "exercises.wrong": "✗ {wrong}\n  Hint: {hint}",
    "exercises.raised": "✗ {function}() raised {error}: {exc}\n  Hint: {hint}",
    "exercises.passed": "✓ {done}",
    "exercises.setup": "Run the setup cell at the top first: the check needs the notebook's `client` and `MODEL`.",
    "exercises.offer_solution": "Still stuck? {call} shows one solution.",
    "exercises.solution": "One solution (yours may look different and still pass):\n\n{code}",

    # --- chatkit/exercises/lessons.py: each exercise's hints, wrong answers and success ---
    # .hint is the first nudge (the idea, never the code); .hint_more comes after a wrong answer.
    "00-live-backend.hint": "Don't type the answer in: ask chatkit. Which function in this notebook printed what "
                            "chatkit is connected to, and which of its fields names it?",
    "00-live-backend.hint_more": "chatkit.backend_info() returns an object with a `backend` field: return that "
                                 "field, not the whole object and not a name you typed.",
    "00-live-backend.wrong": "live_backend() returned {got!r}, but chatkit uses {backend!r}.",
    "00-live-backend.hard_coded": "With a key set, live_backend() still returned {got!r}: ask chatkit, don't write "
                                  "the name into the function.",
    "00-live-backend.works": "live_backend() works: {backend!r} now, 'openai' once a key is set.",

    "01-calls-per-dollar.hint": "How many times does the price of one call fit into one dollar? The notebook's "
                                "cost() gives that price.",
    "01-calls-per-dollar.hint_more": "One call costs cost(model, input_tokens, output_tokens) dollars; one dollar "
                                     "pays for 1 divided by that. Return the number as it is, not rounded.",
    "01-calls-per-dollar.no_prices": "The notebook's PRICES table is missing: run the cells above the exercise.",
    "01-calls-per-dollar.wrong": "calls_per_dollar({model!r}, {tokens_in}, {tokens_out}) returned {got!r}; one "
                                 "dollar pays for {expected:,.1f} such calls.",
    "01-calls-per-dollar.works": "calls_per_dollar() works: {calls:,.0f} calls per dollar on {model} at 1,000 + "
                                 "1,000 tokens.",

    "02-find-keys.hint": "A regular expression finds every match in a text. Describe a full key: how it starts, "
                         "which characters follow and how many at least. A masked key has a character that a full "
                         "key never has.",
    "02-find-keys.hint_more": "re.findall() with a pattern: 'sk-' then 20 or more letters, digits, '-' or '_'. A "
                              "masked key has '…' in it, so it does not match.",
    "02-find-keys.case_env_line": "a key in a .env line",
    "02-find-keys.case_two_keys": "two keys in one text",
    "02-find-keys.case_masked": "a masked key, which is safe to show",
    "02-find-keys.case_words": "ordinary words with 'sk-' inside",
    "02-find-keys.wrong": "For {case}, find_keys() returned {got!r}, expected {expected!r}.",
    "02-find-keys.works": "find_keys() finds full keys and ignores masked ones.",

    "03-ask.hint": "One call to the API with the question and the two settings from this notebook that make an "
                   "answer repeatable and short; then return only the answer's text, not the whole response.",
    "03-ask.hint_more": "Call client.responses.create() with input=question, temperature=0 with "
                        "reasoning={{\"effort\": \"none\"}} (a reasoning model such as gpt-6-luna takes a temperature "
                        "only with its reasoning off) and max_output_tokens=50, then return reply.output_text. Any "
                        "client works: client, your own OpenAI(...), chatkit.connect().",
    "03-ask.no_request": "ask() sent no request: call the API with the question, and return its answer.",
    "03-ask.endpoint": "ask() called {path}: use the Responses API (or Chat Completions).",
    "03-ask.temperature": "The request had temperature={temperature!r}: send temperature=0.",
    "03-ask.no_limit": "The request allowed unlimited output tokens: set at most 50.",
    "03-ask.limit": "The request allowed {limit} output tokens: set at most 50.",
    "03-ask.not_text": "ask() returned a {type}: return the answer's text (reply.output_text).",
    "03-ask.other_text": "ask() returned a string, but not the answer the model sent: return reply.output_text.",
    "03-ask.works": "ask() sent temperature=0 and a limit of {limit} tokens, and returned the model's text.",

    "04-repeatable-settings.hint": "Sampling is random. Which setting makes the same random choices come out "
                                   "again?",
    "04-repeatable-settings.hint_more": "Keep a temperature of 0.5 or more and add a seed, a whole number such as "
                                        "7 (not the string \"7\"): the same seed with the same settings repeats "
                                        "the answer.",
    "04-repeatable-settings.not_dict": "repeatable_settings() returned a {type}: return a dict of settings.",
    "04-repeatable-settings.too_cold": "Keep temperature at 0.5 or more: the answer should really be sampled.",
    "04-repeatable-settings.wrong_type": "The API refused your settings: {message} Write each value with the type "
                                         "the API expects, numbers without quotes (\"seed\": 7, not "
                                         "\"seed\": \"7\").",
    "04-repeatable-settings.refused": "The API refused your settings: {message} Change '{param}' as the message "
                                      "says.",
    "04-repeatable-settings.differ": "Two different answers with your settings: add a setting that fixes the "
                                     "random choices. (With a seed, OpenAI repeats an answer most of the time, "
                                     "not always: if you set one, run the check again.)",
    "04-repeatable-settings.not_random": "Even without a seed your settings always give the same answer: they "
                                         "remove the randomness (a very small top_p, say). Keep the answer "
                                         "sampled, and repeat it with a seed.",
    "04-repeatable-settings.works": "the same sampled answer twice at temperature {temperature}.",

    "05-trim.hint": "Keep the system message, then drop the oldest turns one at a time until the conversation fits "
                    "the budget. This notebook showed how to count a conversation's tokens.",
    "05-trim.hint_more": "Start from a copy of the list; while tokens.count_messages(..., MODEL) is over the budget "
                         "and more than one turn is left, drop the oldest turn after the system message.",
    "05-trim.changed": "trim() changed the list it was given: build and return a new list.",
    "05-trim.system": "Keep the system message first.",
    "05-trim.order": "Drop the oldest messages and keep the newest, in their order.",
    "05-trim.over": "With budget={budget}, the result still has {tokens} tokens.",
    "05-trim.too_much": "With budget={budget}, trim() dropped more than it needed to.",
    "05-trim.works": "trim() drops the oldest turns, keeps the system message, and stops at the budget.",

    "06-tokens-counted.hint": "Before a request runs, a tokens-per-minute limit reserves tokens for it: the prompt's, "
                              "and the most the answer could use. Which number in the request caps the answer?",
    "06-tokens-counted.hint_more": "tokens.count_messages(messages, MODEL) counts the prompt (notebook 05); add "
                                   "max_tokens, the most the answer may use, as the sandbox and chatkit's runner do "
                                   "before the request runs.",
    "06-tokens-counted.wrong": "For {count} message(s) and max_tokens={limit}, tokens_counted() returned {got!r}; "
                               "the request counts {expected}.",
    "06-tokens-counted.sandbox": "The sandbox took {taken} tokens from its limit, and tokens_counted() says "
                                 "{counted}.",
    "06-tokens-counted.works": "tokens_counted() counts the prompt and the output limit: {counted} tokens.",
    "06-tokens-counted.works_sandbox": "tokens_counted() counts the prompt and the output limit: {counted} tokens "
                                       "(the sandbox took {taken} from its limit).",

    "07-should-retry.hint": "Sort the failures into two kinds: those where waiting can help (a busy server, a lost "
                            "connection) and those where the same request fails again (a mistake in the request or "
                            "the key, no money left). The exception's class makes the first cut; the HTTP status "
                            "and the error's fields make the rest.",
    "07-should-retry.hint_more": "openai.APIConnectionError (timeouts too) may pass. For openai.APIStatusError, "
                                 "retry status_code 408, 409, 429 and 5xx, except a billing 429: on the platform "
                                 "its type (exc.type) is 'insufficient_quota', and its code (exc.code) says which "
                                 "limit was reached, so test exc.type, not exc.code.",
    "07-should-retry.case_rate_limit": "a 429 rate limit",
    "07-should-retry.case_billing": "a 429 {code}",
    "07-should-retry.case_bad_request": "a 400 bad request",
    "07-should-retry.case_wrong_key": "a 401 wrong key",
    "07-should-retry.case_unknown_model": "a 404 unknown model",
    "07-should-retry.case_server_error": "a 500 server error",
    "07-should-retry.case_overloaded": "a 503 overloaded server",
    "07-should-retry.case_connection": "a connection error",
    "07-should-retry.case_timeout": "a timeout",
    "07-should-retry.raised": "should_retry() raised {error}: {crash} for {case} ({exc_type}). Not every error has "
                              "a status_code: check its class first (isinstance).",
    "07-should-retry.retry": "should_retry() returned {got!r} for {case} ({exc_type}); it should be True: waiting "
                             "can help.",
    "07-should-retry.no_retry": "should_retry() returned {got!r} for {case} ({exc_type}); it should be False: the "
                                "same request will fail the same way.",
    "07-should-retry.billing": "should_retry() returned {got!r} for {case} ({exc_type}); it should be False: this "
                               "429 is about money, not speed, and waiting cannot fix it. Look at the error's type: "
                               "exc.type is 'insufficient_quota' on every billing 429, while exc.code says which "
                               "limit was reached ({code!r} here).",
    "07-should-retry.works": "should_retry() works: retry rate limits, server errors and lost connections; never "
                             "quota or mistakes.",

    "08-my-shop.hint": "The bot knows only what its system prompt says, and the prompt is built from the shop's "
                       "data. Start from the example shop and give it one more question with its answer.",
    "08-my-shop.hint_more": "shop = Shop.example(), then shop.faq.append((question, answer)) with a question about "
                            "shipping abroad (or internationally, overseas…) and the shop's answer, then return "
                            "shop.",
    "08-my-shop.not_shop": "my_shop() returned {type}; return a Shop (start from Shop.example()).",
    "08-my-shop.no_abroad": "None of the new FAQ entries of my_shop() is about shipping to other countries (the "
                            "check looks for words such as abroad, international, overseas, other countries, "
                            "worldwide): add a (question, answer) pair about it to shop.faq.",
    "08-my-shop.lost": "my_shop() lost some of the example's FAQ or policies: add to them, don't replace them.",
    "08-my-shop.not_sent": "The answer of your new FAQ entry did not reach the model: it must be in the system "
                           "prompt.",
    "08-my-shop.works": "my_shop() works: the bot's prompt now answers {question!r}, in the {count} FAQ entries "
                        "sent with every message.",

    "09-book-format.hint": "This is a structured output: a response_format whose JSON schema the server enforces. "
                           "This notebook built one from a class; write the same dict by hand. And which JSON "
                           "Schema type is a whole number?",
    "09-book-format.hint_more": "{{'type': 'json_schema', 'json_schema': {{'name': 'book', 'strict': True, "
                                "'schema': …}}}}, where the schema is an object with properties title (string), "
                                "author (string) and year (integer), all three in 'required', and "
                                "'additionalProperties': False.",
    "09-book-format.shape": "book_format() should return {{'type': 'json_schema', 'json_schema': {{'name': …, "
                            "'strict': True, 'schema': {{…}}}}}}: the response_format of a structured output.",
    "09-book-format.strict": "book_format() leaves out strict. Set 'strict': True in json_schema: only then does "
                             "the server guarantee the schema.",
    "09-book-format.refused": "The server refused the schema of book_format(): {message} Fix the place it names: "
                              "with 'strict': True, every object sets 'additionalProperties': False and lists all "
                              "its properties in 'required'.",
    "09-book-format.number": "In the schema of book_format(), '{field}' has the type 'number', which also allows "
                             "1937.5: a whole number is 'integer' in JSON Schema.",
    "09-book-format.schema_type": "In the schema of book_format(), '{field}' has the type {got!r}: the exercise asks "
                                  "for {type!r}.",
    "09-book-format.fields": "With book_format(), the model answered with the fields {fields}; the schema should "
                             "ask for exactly title, author and year (all of them in 'required').",
    "09-book-format.type": "With book_format(), '{field}' came back as {value!r}: give it the type {type} in the "
                           "schema.",
    "09-book-format.works": "book_format() works: the model answered {book}.",

    "10-class-limit.hint": "A class's limits are one Budget that the store keeps for every student (this "
                           "notebook gave its class one). Which of its limits counts the calls in a minute, and how many calls "
                           "should it let through?",
    "10-class-limit.hint_more": "Give the whole class (name no student) a Budget whose requests-per-minute limit lets "
                                "two calls through: store.set_budget(Budget(rpm=…)).",
    "10-class-limit.no_limit": "After limit_the_class(store), a student of the class still has no limits. Set the "
                               "class's budget with the store's set_budget, naming no student: a budget given to "
                               "one student is that student's only.",
    "10-class-limit.returned": "limit_the_class() returned a Budget, but the class's store still has none: give it "
                               "to the store (store.set_budget) instead of returning it.",
    "10-class-limit.quota": "With limit_the_class(), the student's call {nth} was refused with 429 "
                            "insufficient_quota: an allowance of tokens per day or per course, which does not come "
                            "back after a minute. A third call in a minute needs a limit per minute.",
    "10-class-limit.too_tight": "With limit_the_class(), the student's call {nth} was already refused (429 "
                                "rate_limit_exceeded): the limit lets fewer than two calls a minute through.",
    "10-class-limit.refused": "With limit_the_class(), the student's call {nth} got {status} {code}: {message}",
    "10-class-limit.answered": "With limit_the_class(), the student's third call in a minute still got an answer "
                               "(the limits per minute: {limits}). Lower the limit until only two calls a minute go "
                               "through.",
    "10-class-limit.works": "limit_the_class() works: the student's first two calls were answered, and the third got "
                            "429 rate_limit_exceeded ({message}). The gateway recorded {recorded}.",

    # --- chatkit/keys.py: check_key_format() ----------------------------------------------
    "keys.empty.what": "The key is empty.",
    "keys.empty.fix": "Paste the key you copied from the API keys page.",
    "keys.spaces.what": "The key starts or ends with spaces or a line break.",
    "keys.spaces.fix": "Copy it again without the spaces, or use key.strip().",
    "keys.quotes.what": "The key contains quotes.",
    "keys.quotes.fix": "Remove the quotes: a key never contains any.",
    "keys.bearer.what": "The key starts with 'Bearer'.",
    "keys.bearer.fix": "Paste only the key, without 'Bearer ' in front.",
    "keys.masked.what": "This is a masked key (it contains '…', '...' or '**'): the part in the middle is hidden.",
    "keys.masked.fix": "The full key is shown only once, when it is created. If you did not save it, create a new "
                       "key.",
    "keys.inside.what": "The key has a space or a line break inside it (character {position}).",
    "keys.inside.fix": "Copy the key again in one piece: a key never contains spaces.",
    "keys.full_width.what": "Character {position} of the key is the full-width or Chinese character '{char}'; keys "
                            "use only half-width letters, digits and a few symbols.",
    "keys.full_width.fix": "Switch your input method to half-width (English) and copy the key again from the API "
                           "keys page; type nothing by hand.",
    "keys.characters.what": "Character {position} of the key is an invisible or non-ASCII character ({code}), which "
                            "a key never has.",
    "keys.characters.fix": "Copy the key again from the API keys page; type nothing by hand.",
    # Warnings, not errors: the key may be right.
    "keys.shape_mismatch": "{key} does not look like a key from {title}, whose keys look like {shape}. Check that "
                           "you copied the whole secret key (not its name or ID) from {title}'s API keys page, and "
                           "that CHATKIT_PROVIDER names the right provider.",
    "keys.shape_unknown": "chatkit cannot check the shape of {key}: {title}'s documentation does not say what its "
                          "keys look like. Check that you copied the whole key from its API keys page.",
    "keys.shape_no_provider": "chatkit cannot check the shape of {key}: it does not know which provider the key is "
                              "for. Check that you copied the whole key.",
    "keys.short": "{key} is only {length} characters long; real keys are much longer. Check that you copied the "
                  "whole key.",

    # --- chatkit/config.py: settings that do not make sense together -----------------------
    "config.no_base_url.what": "CHATKIT_PROVIDER is {name!r}, and {title} has no shared base URL: each resource "
                               "has its own.",
    "config.no_base_url.fix": "Add OPENAI_BASE_URL={hint} to your .env file, with your resource's name.",
    "config.no_provider_key.what": "CHATKIT_PROVIDER is {name!r} but no {variable} was found.",
    "config.no_provider_key.fix": "Add {variable}=your-key to your .env file (create the key on {title}'s "
                                  "platform: {docs}), or remove CHATKIT_PROVIDER to use the sandbox.",
    "config.no_deployment.what": "{title} needs your deployment's name as the model, and chatkit cannot guess it.",
    "config.no_deployment.fix": "Add CHATKIT_MODEL=<{hint}> to your .env file.",
    "config.unknown_backend.what": "CHATKIT_BACKEND is {value!r}, which chatkit does not know.",
    "config.unknown_backend.fix": "Set it to 'sandbox' or 'openai', or remove it to let chatkit choose.",
    "config.openai_without_key.what": "CHATKIT_BACKEND is 'openai' but no OPENAI_API_KEY was found.",
    "config.openai_without_key.fix": "Add OPENAI_API_KEY to your .env file, or remove CHATKIT_BACKEND to use the "
                                     "sandbox.",
    "config.unknown_language.what": "CHATKIT_LANG is {value!r}, which chatkit does not know.",
    "config.unknown_language.fix": "Set it to 'zh' (Chinese) or 'en' (English), or remove it to follow the "
                                   "notebook's edition (notebooks/zh/ speaks Chinese).",
    "config.bad_parallel.what": "CHATKIT_SANDBOX_PARALLEL is {value!r}: the sandbox needs a whole number from 1 to "
                                "{top}, how many requests its model answers at once.",
    "config.bad_parallel.fix": "Set it to a number such as 4, or remove it for the default ({default}).",

    # --- chatkit/connect.py: the server's default model -----------------------------------
    "connect.no_reasoning_model.what": "chatkit knows no reasoning model on this backend (its default model is {model}).",
    "connect.no_reasoning_model.fix": "Set CHATKIT_REASONING_MODEL in .env to a model of your provider that reasons (notebook 01 lists some), then restart the kernel; or skip the cells about reasoning.",
    "connect.cannot_ask.what": "chatkit could not ask {base_url} which models it serves: {what}",
    "connect.cannot_ask.fix": "{fix} Or set CHATKIT_MODEL in .env to the model you want.",
    "connect.no_chat_model.what": "The server at {base_url} lists no chat model ({listed}).",
    "connect.no_chat_model.none": "no model at all",
    "connect.no_chat_model.fix": "Load or pull a chat model on that server (Ollama: ollama pull qwen2.5:0.5b), or "
                                 "set CHATKIT_MODEL in .env to one it serves.",

    # --- chatkit/budget.py: the spending guard ---------------------------------------------
    "budget.no_limit.what": "A budget needs a limit.",
    "budget.no_limit.fix": "Give dollars=0.50 (OpenAI), yuan=2 (DeepSeek, Qwen, GLM, Kimi…) or tokens=10_000; "
                           "a money limit and a token limit can go together.",
    "budget.two_currencies.what": "A budget counts money in one currency, and this one was given both dollars= "
                                  "and yuan=.",
    "budget.two_currencies.fix": "Keep the one your provider bills in: yuan= for DeepSeek, Qwen, GLM, Kimi and the "
                                 "other Chinese providers, dollars= for OpenAI.",
    "budget.negative.what": "A budget cannot be negative.",
    "budget.negative.fix": "Give a limit of 0 or more.",
    "budget.over_tokens": "The spending guard refused this call before sending it: it may use up to "
                          "{most_tokens:,} tokens, and {committed:,} of the budget's {limit:,} are used or held.",
    "budget.over_money": "The spending guard refused this call before sending it: it may cost up to "
                         "{cost}, and {committed} of the budget's {limit} is spent or held.",
    "budget.unbounded": " (The call set no output limit, so {output:,} output tokens were counted, the sandbox's "
                        "cap: another server may write more.)",
    "budget.over.fix": "Lower the output limit or shorten the input, or raise the limit (budget.tokens = …, "
                       "budget.limit = …), or start over with budget.reset().",
    "budget.no_price.what": "The spending guard cannot price the model {model!r}, so it refused the call.",
    "budget.no_price.fix": "Give Budget(price_as='gpt-4.1-mini') (a model in chatkit's price table), or use a "
                           "token budget: Budget(tokens=10_000).",
    "budget.other_currency.what": "The spending guard refused this call before sending it: {model!r} is priced in "
                                  "{theirs}, and this budget counts {ours}. chatkit never adds two currencies into "
                                  "one sum, and does not convert one into the other.",
    "budget.other_currency.fix": "Make a budget in the model's currency: Budget(yuan=…) for a model priced in yuan, "
                                 "Budget(dollars=…) for one priced in dollars; or count tokens, which every model "
                                 "has: Budget(tokens=10_000).",

    # --- chatkit/providers.py: presets and the endpoints each offers -----------------------
    "providers.unknown.what": "CHATKIT_PROVIDER is {name!r}, which chatkit does not know.",
    "providers.unknown.fix": "Set it to one of {names}, or remove it (then chatkit uses OpenAI with an "
                             "OPENAI_API_KEY, the sandbox without). For another compatible server, set "
                             "OPENAI_BASE_URL and OPENAI_API_KEY instead.",
    "providers.unknown_endpoint.what": "chatkit knows no endpoint called {endpoint!r}.",
    "providers.unknown_endpoint.fix": "Ask about one of {endpoints}.",
    "providers.not_supported.what": "{provider} offers no {endpoint} (checked {checked}): {what} needs it.",
    "providers.not_supported.cause": "{provider} serves only part of the OpenAI API, and its documentation "
                                     "(checked {checked}) has no {endpoint}.",
    "providers.not_supported.fix": "Run it with {elsewhere}, or {instead}.",
    "providers.this_cell": "this cell",
    "providers.this_request": "this request",
    "providers.the_sandbox": "the sandbox",
    "providers.either": "{first} or {second}",
    "providers.separator": ", ",
    "providers.nowhere": "a provider that offers it",
    # the endpoints, by their name in chatkit.providers.ENDPOINT_NAMES, and what to do instead (INSTEAD)
    "providers.endpoint.responses": "Responses API",
    "providers.endpoint.chat": "Chat Completions API",
    "providers.endpoint.batch": "Batch API",
    "providers.endpoint.embeddings": "Embeddings API",
    "providers.endpoint.stream_usage": "token usage in streams (stream_options.include_usage)",
    "providers.endpoint.stored_responses": "stored responses (previous_response_id)",
    "providers.instead.responses": "use client.chat.completions.create",
    "providers.instead.chat": "use client.responses.create",
    "providers.instead.batch": "send the requests one at a time",
    "providers.instead.embeddings": "skip this cell",
    "providers.instead.stream_usage": "read the usage from a call without stream=True",
    "providers.instead.stored_responses": "send the whole history each time, as chatkit.Conversation(client) does",
    # --- chatkit/behaviour.py: a provider's ranges and thinking, checked before sending ------------
    "behaviour.on_models": " on {models} models",
    "behaviour.range.between": "from {low} to {high}",
    "behaviour.range.one": "equal to {value}",
    "behaviour.out_of_range.what": "{provider} accepts {param} {range}{on} (checked {checked}): this request sends "
                                   "{value}.",
    "behaviour.out_of_range.cause": "{provider} answers a value outside its documented range with a 400 error; "
                                    "chatkit stopped the request first, so nothing was sent or billed.",
    "behaviour.out_of_range.fix": "Send a {param} {range}, or leave it out to get the provider's default.",
    "behaviour.rule.what": "{provider} accepts {param} {range} when {other} is {equal}{on} (checked {checked}): "
                           "this request sends {param}={value}.",
    "behaviour.rule.fix": "Send {param} {range}, or a {other} other than {equal}.",
    "behaviour.no_effect": "{provider}'s model thinks on this request, and while it thinks it accepts {params} but "
                           "ignores them (checked {checked}): they will have no effect. To make them count, turn "
                           "thinking off: {how}.",
    "behaviour.off_for": "{how} ({endpoint})",
    "behaviour.or": " or ",

    # --- chatkit/tokens.py: which tokenizer -------------------------------------------------
    "tokens.unknown_model.what": "chatkit does not know which tokenizer the model {model!r} uses.",
    "tokens.unknown_model.fix": "Pass the encoding yourself, e.g. count(text, encoding='o200k_base'); for models "
                                "that are not OpenAI's (Llama, Qwen…) that count is only an estimate.",
    "tokens.estimated": "chatkit has no tokenizer for {model!r}, so it counts with o200k_base: an estimate "
                        "(the reply's usage has the exact figure). Pass encoding=... to choose another.",
    "tokens.no_choice.what": "Say which tokenizer to use.",
    "tokens.no_choice.fix": "Pass a model, count(text, 'gpt-4.1-mini'), or an encoding, "
                            "count(text, encoding='o200k_base').",
    "tokens.unknown_encoding.what": "Unknown encoding {encoding!r}.",
    "tokens.unknown_encoding.fix": "Use one of {encodings}.",
    "tokens.cost": "{money} for {model} ({input:,} input + {output:,} output tokens; prices of {date})",
    "tokens.unknown_price": "unknown price: {model!r} is not in chatkit's price table (prices of {date}); see {source}",
    "tokens.currency.USD": "US dollars",
    "tokens.currency.CNY": "yuan (CNY)",

    # --- chatkit/conversation.py ------------------------------------------------------------
    "conversation.no_model.what": "Conversation needs a model.",
    "conversation.no_model.fix": "Pass model='…', or use a client from chatkit.connect(), which knows its default "
                                 "model.",
    "conversation.over_budget.what": "The instructions and the new message alone need {tokens} tokens, more than "
                                     "the budget of {budget}.",
    "conversation.over_budget.fix": "Raise the budget, or shorten the instructions or the message.",
    "conversation.not_saved.what": "{name} is not a conversation saved by chatkit.",
    "conversation.not_saved.fix": "Load a file written by Conversation.save().",
    "conversation.unknown_choice.what": "{name}={value!r} is not something Conversation knows.",
    "conversation.unknown_choice.fix": "Use one of: {allowed}.",
    # what a trim did, and a conversation shown as bubbles (chatkit/bubbles.py)
    "conversation.trim": "To stay within {budget} tokens, {what}: {before} → {after} tokens.",
    "conversation.trim.summarized": "summarized {count} older messages into one",
    "conversation.trim.dropped": "dropped the {count} oldest messages",
    "conversation.html.instructions": "Instructions:",
    "conversation.html.summarized": "{count} older messages summarized to stay within {budget} tokens.",
    "conversation.html.left_out": "{count} older messages left out to stay within {budget} tokens.",
    "conversation.html.summary": "Summary of earlier turns:",
    "conversation.html.footer": "{count} messages, {tokens} tokens next time ({model})",

    # --- chatkit/__main__.py: python -m chatkit ----------------------------------------------
    "cli.unreadable_prompts.what": "Cannot read prompts from {input}: {error}.",
    "cli.unreadable_prompts.fix": "Give a JSONL file: one JSON string or object per line.",
    "cli.no_notebook.what": "No notebook at {path}.",
    "cli.no_notebook.fix": "Give the path of a .ipynb file.",
    "cli.would_replace.what": "{env_file} already holds another OPENAI_API_KEY ({masked}); saving would replace it.",
    "cli.would_replace.fix": "Save to another file (--save sandbox.env), or delete that line first.",
    "cli.cannot_write.what": "Could not write {env_file} ({reason}); no key was saved.",
    "cli.cannot_write.fix": "Choose a file in a folder you can write to, e.g. --save ./.env",
    "cli.no_such_key.what": "There is no key with id {shown} in {folder}.",
    "cli.no_such_key.fix": "Run '{prog} keys list' and copy the id from its ID column (key_…).",

    # --- chatkit/batch/: the Batch API and the runner -----------------------------------------
    "batch.still_running.what": "Batch {id} is still {status} after {timeout:.0f} s.",
    "batch.still_running.fix": "Call wait() again later: a batch can take up to 24 hours.",
    "batch.failed_line": "line {line}: {message}",
    "batch.no_details": "no details",
    "batch.failed.what": "Batch {id} failed validation: {problems}.",
    "batch.failed.fix": "Fix those lines of the input and submit again.",
    "batch.quota.what": "The quota ran out (429, a billing error) after {done} of {total} items; the rest were not "
                        "sent.",
    "batch.quota.fix": "Add credit or raise the quota, then run again with the same out= file: finished items are "
                       "skipped.",
    "batch.same_id.what": "Two items have the same custom_id.",
    "batch.same_id.fix": "Give every item its own custom_id.",
    "batch.not_async.what": "run_batch() needs an async client.",
    "batch.not_async.fix": "Use client = chatkit.connect_async().",

    # --- chatkit/sandbox/engine.py, models.py, server.py: starting the sandbox -----------------
    "sandbox.no_model.what": "The sandbox model is not installed (package chatkit-smollm2).",
    "sandbox.no_model.fix": "Run: pip install -r requirements.txt",
    "sandbox.bad_spec.what": "Cannot read the model {text!r}: write it as PATH or as ID=PATH.",
    "sandbox.bad_spec.fix": "Use an id of letters, digits, '.', '-', '_' or ':', then '=' and the file's path, e.g. "
                            "qwen=models/qwen.gguf.",
    "sandbox.folder.what": "{path} is a folder, not a model file.",
    "sandbox.folder.fix": "Give the path of the .gguf file inside it: {inside}.",
    "sandbox.no_file.what": "No model file at {path} (model '{model_id}').",
    "sandbox.no_file.fix": "Check the path in --model or CHATKIT_SANDBOX_MODELS (a relative path starts in {cwd}). "
                           "chatkit downloads only its catalogue's models (python -m chatkit models list): for any "
                           "other, download the .gguf file first.",
    "sandbox.not_pulled.what": "{name} is a catalogue model that is not downloaded yet.",
    "sandbox.not_pulled.fix": "Download it once with: python -m chatkit models pull {name}",
    "sandbox.unreadable.what": "Cannot read the model file {path} ({reason}).",
    "sandbox.unreadable.fix": "Check that your user may read it (its permissions) and that its disk is still there.",
    "sandbox.not_gguf.what": "{path} is not a GGUF model file: it does not start with the bytes 'GGUF'.",
    "sandbox.not_gguf.fix": "Give a .gguf file made for llama.cpp (on Hugging Face, look for 'GGUF' in the "
                            "repository's name). A .safetensors, .bin or .pt file must be converted first.",
    "sandbox.cannot_load.what": "llama.cpp could not load {path}: the file is cut short or damaged, or its model's "
                                "architecture is newer than this llama.cpp (xllamacpp).",
    "sandbox.cannot_load.fix": "Download the file again and compare its size with the one listed where you got it; "
                               "or try 'pip install -U xllamacpp'.",
    "sandbox.bad_template.what": "The chat template inside {path} cannot be read: {error}.",
    "sandbox.bad_template.fix": "Use another GGUF file of the model (another publisher's, or a newer one).",
    "sandbox.same_id.what": "Two models would be served as '{model_id}'.",
    "sandbox.same_id.fix": "Give one of them another id, e.g. --model {model_id}-2=PATH (or {model_id}-2=PATH in "
                           "CHATKIT_SANDBOX_MODELS).",
    "sandbox.not_started.what": "The sandbox server did not start.",
    "sandbox.not_started.fix": "Run 'python -m chatkit doctor'.",
    "sandbox.cannot_listen.what": "Cannot listen on {host}:{port} ({reason}).",
    "sandbox.cannot_listen.fix": "Choose another port with --port, or stop the program using this one.",

    # --- chatkit/bot/: what the bot tells the end user, and its errors ------------------------
    "bot.no_model.what": "Bot needs a model.",
    "bot.no_model.fix": "Pass model='…', or use a client from chatkit.connect(), which knows its default model.",
    "bot.over_rate.what": "You have sent {count} messages within {window}.",
    "bot.over_rate.fix": "Please try again in {wait}.",
    "bot.over_quota.what": "You have used today's {quota} messages.",
    "bot.over_quota.fix": "Please come back tomorrow, in {wait} (days start at midnight, {zone} time).",
    "bot.time_zone.what": "{name!r} is not a time zone chatkit knows.",
    "bot.time_zone.fix": "Name one the IANA way, such as Asia/Shanghai or Europe/Berlin (in {variable} or Bot(time_zone=...)).",
    # the parts of a duration in a refusal: "9 seconds", "1 minute", "3 hours 20 minutes"
    "bot.second.one": "{n} second",
    "bot.second.many": "{n} seconds",
    "bot.minute.one": "{n} minute",
    "bot.minute.many": "{n} minutes",
    "bot.hour.one": "{n} hour",
    "bot.hour.many": "{n} hours",
    "bot.refusal": "{what} {fix}",
    "bot.not_started.what": "The bot's web service did not start.",
    "bot.not_started.fix": "Run 'python -m chatkit doctor'.",
    # chatkit/bot/platforms/: checking what a chat platform sends
    "bot.platforms.not_json.what": "The {platform} request body is not a JSON object.",
    "bot.platforms.not_json.fix": "Send the body {platform} documents.",
    "bot.platforms.not_text.what": "The {platform} request's {field} is not text.",
    "bot.platforms.no_secret.what": "No {name} is configured, so no request can be checked.",
    "bot.platforms.no_secret.fix": "Copy the {name} from the platform's console into the bot's settings.",
    "bot.platforms.missing": "is missing",
    "bot.platforms.mismatch": "does not match",
    "bot.platforms.forged.what": "The request's {what} {said}.",
    "bot.platforms.no_time.what": "The request's {what} is missing or not a number.",
    "bot.platforms.no_time.fix": "Only the platform's own requests carry it; ignore this one.",
    "bot.platforms.stale.what": "The request's {what} is {minutes:.0f} minutes away from this computer's clock (at "
                                "most {allowed:.0f} allowed).",
    "bot.platforms.stale.fix": "An old request may be replayed by someone else; if the platform really sent it, set "
                               "this computer's clock right (sync it with internet time).",
    "bot.platforms.header": "{name} header",
    "bot.platforms.dingtalk": "DingTalk",
    "bot.platforms.feishu": "Feishu",
    "bot.platforms.lanying": "Lanying",
    "bot.platforms.webhook": "webhook",
    "bot.platforms.dingtalk.secret": "DingTalk robot AppSecret",
    "bot.platforms.dingtalk.sign.fix": "Copy the robot's AppSecret (not the AppKey) from the DingTalk developer "
                                       "console into the bot's settings.",
    "bot.platforms.dingtalk.elsewhere.what": "The DingTalk sessionWebhook points to {host!r}, not to DingTalk.",
    "bot.platforms.dingtalk.no_host": "no host",
    "bot.platforms.dingtalk.elsewhere.fix": "Answer only to https://oapi.dingtalk.com; to test with a local platform, "
                                            "add its host to allowed_reply_hosts in the bot's settings.",
    "bot.platforms.dingtalk.expired.what": "The DingTalk sessionWebhook for this conversation has expired.",
    "bot.platforms.dingtalk.expired.fix": "Answer sooner: each message's sessionWebhook only works for a while (about "
                                          "90 minutes in DingTalk's example).",
    "bot.platforms.feishu.signature.fix": "Copy the Encrypt Key from the Feishu console (Events and callbacks > "
                                          "Encryption strategy) into the bot's settings.",
    "bot.platforms.feishu.secret": "Feishu verification token",
    "bot.platforms.feishu.token": "verification token",
    "bot.platforms.feishu.token.fix": "Copy the Verification Token from the Feishu console (Events and callbacks > "
                                      "Encryption strategy) into the bot's settings.",
    "bot.platforms.feishu.content.what": "The Feishu message content is not the JSON string Feishu documents.",
    "bot.platforms.feishu.content.fix": "Send content as a string such as '{{\"text\": \"hi\"}}'.",
    "bot.platforms.feishu.encrypted.what": "This Feishu event is encrypted, but the bot has no Encrypt Key to "
                                           "decrypt it.",
    "bot.platforms.feishu.encrypted.fix": "Copy the Encrypt Key from the Feishu console (Events and callbacks > "
                                          "Encryption strategy) into FEISHU_ENCRYPT_KEY, then restart the bot.",
    "bot.platforms.feishu.decrypt.what": "The Feishu event could not be decrypted ({why}).",
    "bot.platforms.feishu.decrypt.fix": "Check FEISHU_ENCRYPT_KEY: it must be the Encrypt Key shown in the Feishu "
                                        "console (Events and callbacks > Encryption strategy).",
    "bot.platforms.feishu.refused.what": "Feishu gave the bot no tenant access token for its app id and secret "
                                         "(code {code}: {said}), so it cannot reply.",
    "bot.platforms.feishu.refused.fix": "Copy the App ID and App Secret from the Feishu developer console (Credentials "
                                        "& Basic Info) into FEISHU_APP_ID and FEISHU_APP_SECRET, then restart the bot.",
    "bot.platforms.wecom": "WeCom",
    "bot.platforms.wecom.secret": "WeCom callback Token (WECOM_TOKEN)",
    "bot.platforms.wecom.parameter": "{name} parameter",
    "bot.platforms.wecom.signature.fix": "Copy the Token from the app's \"Receive messages\" API settings in the WeCom "
                                         "admin console into WECOM_TOKEN.",
    "bot.platforms.wecom.decrypt.what": "The WeCom message could not be decrypted ({why}).",
    "bot.platforms.wecom.decrypt.fix": "Check WECOM_ENCODING_AES_KEY: it must be the EncodingAESKey shown in the "
                                       "app's \"Receive messages\" API settings.",
    "bot.platforms.wecom.elsewhere.what": "The WeCom message was encrypted for another company, not for "
                                          "WECOM_CORP_ID.",
    "bot.platforms.wecom.elsewhere.fix": "Set WECOM_CORP_ID to your company's ID (My Company > Company Info in the "
                                         "WeCom admin console).",
    "bot.platforms.wecom.xml.what": "The WeCom request body is not the XML WeCom sends ({why}).",
    "bot.platforms.wecom.xml.fix": "Send WeCom's XML, <xml><ToUserName>…</ToUserName><Encrypt>…</Encrypt>"
                                   "<AgentID>…</AgentID></xml>, with no DTD.",
    "bot.platforms.wecom.no_encrypt": "no Encrypt field",
    "bot.platforms.wecom.aes_key.what": "WECOM_ENCODING_AES_KEY has {length} characters, but an EncodingAESKey is "
                                        "43 letters and digits.",
    "bot.platforms.wecom.aes_key.fix": "Copy the EncodingAESKey from the app's \"Receive messages\" API settings in "
                                       "the WeCom admin console (the page can generate one).",
    "bot.platforms.wecom.agent_id.what": "WECOM_AGENT_ID is not a number.",
    "bot.platforms.wecom.agent_id.fix": "Copy the app's AgentId (a number such as 1000002) from its page in the WeCom "
                                        "admin console.",
    "bot.platforms.wecom.refused.what": "WeCom gave the bot no access token for its company ID and secret (errcode "
                                        "{code}: {said}), so it cannot reply.",
    "bot.platforms.wecom.refused.fix": "Copy the company ID and the app's Secret from the WeCom admin console into "
                                       "WECOM_CORP_ID and WECOM_SECRET, then restart the bot.",
    "bot.platforms.lanying.secret": "Lanying callback signature",
    "bot.platforms.lanying.signature": "Lanying signature header",
    "bot.platforms.lanying.signature.fix": "Set the same callback signature in the Lanying console and in the bot's "
                                           "settings.",
    "bot.platforms.webhook.secret": "webhook secret",
    "bot.platforms.webhook.signature.fix": "Sign with the bot's secret: chatkit.bot.platforms.webhook.sign(secret, "
                                           "body).",
    "bot.platforms.webhook.missing.what": "The webhook body has no {missing} (each must be a non-empty string).",
    "bot.platforms.webhook.missing.fix": "Send {{\"message_id\": \"m1\", \"user_id\": \"u1\", \"text\": \"Hello\"}}.",

    # --- chatkit/im/: the local chat platform -------------------------------------------------
    "im.real_app.what": "{env_file} already holds the settings of a real {platform} app ({variable}={endpoint}); "
                        "writing the local platform's would replace them.",
    "im.real_app.fix": "Give another file, e.g. --env-file local-im.env, and point the bot at it.",
    "im.not_started.what": "The local chat platform did not start.",
    "im.not_started.fix": "Run 'python -m chatkit doctor'.",
    "im.bad_webhook.what": "{url!r} is not an http(s) URL for the bot's webhook.",
    "im.bad_webhook.fix": "Give the address the bot listens on, e.g. http://127.0.0.1:8787{route}",
    "im.no_such_platform.what": "The local chat platform cannot imitate {platform!r}.",
    "im.no_such_platform.fix": "Choose one of {choices}.",
    # the platforms it imitates, as the page and the command name them
    "im.platform.lanying": "Lanying IM",
    "im.platform.feishu": "Feishu",
    "im.platform.dingtalk": "DingTalk",
    "im.platform.wecom": "WeCom",
    # chatkit/im/feishu.py and dingtalk.py: what those platforms' APIs answer a bot
    "im.feishu.challenge": "Feishu's url_verification of the bot's address failed: {why}. The bot must answer "
                           "{{\"challenge\": \"<the value it was sent>\"}}, as chatkit's bot does at /feishu/events.",
    "im.feishu.not_echoed": "the bot answered HTTP {status} without the challenge",
    "im.feishu.wrong_secret": "app_id or app_secret is wrong. Copy FEISHU_APP_ID and FEISHU_APP_SECRET from the local "
                              "platform's settings (python -m chatkit im serve --imitate feishu prints them).",
    "im.feishu.no_token": "Missing access token: send the header Authorization: Bearer <tenant_access_token>; get "
                          "one from {path}.",
    "im.feishu.bad_token": "Invalid access token for authorization: the tenant_access_token has expired (each lasts "
                           "2 hours) or was not issued here. Get a new one from {path} and send again.",
    "im.feishu.reply_body": "The body must be {{\"msg_type\": \"text\", \"content\": \"...\"}}, where content is a "
                            "JSON string such as {{\"text\": \"...\"}}.",
    "im.feishu.no_message": "There is no customer message {id} to reply to: use the message_id of the event.",
    "im.dingtalk.no_session": "This sessionWebhook is unknown or has expired (each lasts 90 minutes): answer through "
                              "the sessionWebhook of the latest callback.",
    "im.dingtalk.body": "The body must be {{\"msgtype\": \"text\", \"text\": {{\"content\": \"...\"}}}}.",
    "im.wecom.url_check": "WeCom's check of the bot's address failed: {why}. The bot must answer the GET with the "
                          "decrypted echostr as plain text, as chatkit's bot does at /wecom/callback.",
    "im.wecom.not_echoed": "the bot answered HTTP {status} without the decrypted echostr",
    "im.wecom.wrong_secret": "corpid or corpsecret is wrong. Copy WECOM_CORP_ID and WECOM_SECRET from the local "
                             "platform's settings (python -m chatkit im serve --imitate wecom prints them).",
    "im.wecom.no_token": "access_token missing: add ?access_token=… to the URL; get one from {path}.",
    "im.wecom.bad_token": "invalid access_token: it was not issued here. Get one from {path}.",
    "im.wecom.expired": "access_token expired (each lasts 2 hours): get a new one from {path} and send again.",
    "im.wecom.send_body": "The body must be {{\"touser\": \"<member>\", \"msgtype\": \"text\", \"agentid\": "
                          "<number>, \"text\": {{\"content\": \"...\"}}}}.",
    "im.wecom.agent": "agentid must be this app's, the number {agent} (WECOM_AGENT_ID).",
    "im.wecom.touser": "touser must be one member of this app: one of {known}.",

    # --- chatkit/widgets/: the widgets' errors and status lines -------------------------------
    "widgets.keys.no_name.what": "A key needs a name.",
    "widgets.keys.no_name.fix": "Type a name that says where you use it, e.g. 'laptop'.",
    "widgets.keys.created": "Created {id} ({masked}). The full key is in panel.new_key and will not be shown again: "
                            "save it now with chatkit.save_key(panel.new_key).",
    "widgets.keys.no_such_key.what": "There is no key with id {id}.",
    "widgets.keys.no_such_key.fix": "Pick one from the list above.",
    "widgets.keys.revoked": "Revoked {id} ({masked}). Requests with it now fail with 401.",
    "widgets.keys.no_folder.what": "There is no folder {folder} to save {name} in.",
    "widgets.keys.no_folder.fix": "Create the folder first, or give KeyEntry a .env path in a folder that exists, "
                                  "e.g. KeyEntry('.env') for the notebook's folder.",
    "widgets.keys.saved": "Saved {masked} to {name} as {variable} (only you can read it; it is in .gitignore). Restart the kernel "
                          "so chatkit picks it up.",
    "widgets.playground.running": "running with {settings}…",
    "widgets.playground.cached": "cached",
    "widgets.playground.no_request": "no request sent · ",
    "widgets.playground.bad_seed.what": "The seed must be a whole number, not {value!r}.",
    "widgets.playground.bad_seed.fix": "Type a number such as 42, or leave the field empty for a random seed.",
    "widgets.compare.grid.what": "Compare takes one or two parameters to vary, not {count}.",
    "widgets.compare.grid.fix": "Vary two at a time, e.g. grid={{'temperature': [0, 1], 'seed': [1, 2]}}.",
    "widgets.compare.running": "running {count} requests…",
    "widgets.compare.done": "{count} answers, {different} different.",
    "widgets.chat.both.what": "ChatWindow got both a client and a bot.",
    "widgets.chat.both.fix": "Pass only the bot: ChatWindow(bot=bot) uses the bot's client and model.",
    "widgets.chat.empty.what": "There is nothing to send.",
    "widgets.chat.empty.fix": "Type a message first.",
    "widgets.chat.busy.what": "The last reply is still being written.",
    "widgets.chat.busy.fix": "Wait for it, or press Stop.",
    "widgets.chat.cleared": "Cleared: the next message starts a new conversation.",
    "widgets.chat.stopped": "Stopped: the server stopped writing; the part shown is kept, marked […].",
    "widgets.chat.unanswered": "not answered: see below",
    "widgets.calls.no_model.what": "This client has no default model, and no model was given.",
    "widgets.calls.no_model.fix": "Pass model='...' to the widget, or make the client with chatkit.connect().",
    "widgets.calls.cached": "cached (no request sent)",
    "widgets.calls.tokens": "{input} tokens in, {output} out",
    "widgets.calls.cut_off": " (cut off by max_tokens)",
    "widgets.calls.first_token": " (first token after {seconds:.2f} s)",
    "widgets.calls.seconds": "{seconds:.2f} s",
    "widgets.calls.first_run": "the first run took {timing}",
    "widgets.calls.free": "cost: free",
    "widgets.calls.cost": "cost: about {cost}",
    "widgets.turn.no_call": "no model call: 0 tokens, nothing billed",
    "widgets.turn.no_price": "cost: unknown (no price for {model})",
    "widgets.turn.tokens_unknown": "tokens unknown",
    "widgets.turn.tokens_counted": "about {input} tokens in, {output} out (counted by chatkit)",
    "widgets.turn.seconds": "{seconds:.1f} s",
    "widgets.turn.stopped": "stopped",

    # widgets: reasoning effort
    "widgets.effort.needs_none.what": "{settings} off: {model} takes sampling settings only at reasoning effort none.",
    "widgets.effort.needs_none.fix": "Set reasoning_effort to none, or leave {settings} out.",
    "widgets.effort.never.what": "{settings} off: {model} reasons at every effort and never takes sampling settings.",
    "widgets.effort.never.fix": "Leave {settings} out, or pick a model that does not reason.",
    "widgets.effort.and": "{first} and {last}",
    "widgets.effort.comma": "{first}, {next}",
    "widgets.effort.unknown.what": "{model} has no reasoning effort {effort!r}.",
    "widgets.effort.unknown.fix": "Pick one of {efforts}, or leave effort out for the model's default ({default}).",
    "widgets.effort.plain.what": "{model} does not reason, so it takes no reasoning effort ({effort!r}).",
    "widgets.effort.plain.fix": "Leave effort out, or pick a reasoning model such as client.reasoning_model.",
    "widgets.effort.reasoning_tokens": " ({count} of them reasoning)",
    "widgets.compare.cell": "{tokens} tokens, {finish_reason}",
    "widgets.compare.cell_reasoning": "{tokens} tokens ({reasoning} reasoning), {finish_reason}",
    "widgets.logprobs.asking": "asking the model…",
    "widgets.logprobs.none_sent": "The server sent no log probabilities. Fix: use a model that supports logprobs, "
                                  "such as gpt-4.1-mini or the sandbox.",
    "widgets.logprobs.answer": "The answer: {answer}",

    # --- chatkit/verify.py: verify(client) ---------------------------------------------------
    "verify.works.one": "The key {key} works at {url} (1 model available).",
    "verify.works.many": "The key {key} works at {url} ({count} models available).",
    "verify.failed": "✗ {message}\n  Fix: {fix}",
    "verify.not_an_api.what": "{url} answered, but not like an OpenAI-compatible API.",
    "verify.not_an_api.fix": "Check OPENAI_BASE_URL: it usually ends with /v1.",

    # --- chatkit/sandbox/__init__.py: simulate() ----------------------------------------------
    "sandbox.simulated": "Simulated on the sandbox: {shown} (every other limit off)",
    "sandbox.simulated_nothing": "Simulated on the sandbox: nothing (every other limit off)",
    "sandbox.simulated_none": "Nothing simulated: the live backend is not the sandbox, so the real network and your "
                              "account's own rate limits apply.",

    # --- chatkit/connect.py: backend_info() ---------------------------------------------------
    "connect.info": "Backend: {backend} at {where}{provider}\nBase URL: {base_url}\nDefault model: {model}\n"
                    "Key: {key} (from {source})",
    "connect.info.sandbox": "the local sandbox (no key needed)",
    "connect.info.provider": "\nProvider: {provider}",
    "connect.info.ask_models": "the first chat model the server lists (asked on first use)",
    "connect.source.sandbox": "the sandbox, made for this session",
    "connect.source.environment": "environment",
    "connect.source.file": "{path}",
    "connect.source.none_needed": "nowhere: a local server needs none",
    "connect.source.variable": "{variable} in {source}",

    # --- chatkit/doctor.py: python -m chatkit doctor ------------------------------------------
    "doctor.check.runtime": "Model runtime",
    "doctor.check.model": "Sandbox model",
    "doctor.check.pulled": "Pulled model",
    "doctor.check.env_file": ".env file",
    "doctor.check.env_private": ".env private",
    "doctor.check.env_ignored": ".env ignored by git",
    "doctor.check.key": "API key",
    "doctor.check.backend": "Backend",
    "doctor.check.call": "Test call",
    "doctor.fix": "Fix: {fix}",
    "doctor.fix_html": "<b>Fix:</b> {fix}",
    "doctor.head.check": "Check",
    "doctor.head.result": "Result",
    "doctor.all_passed": "All {count} checks passed.",
    "doctor.some_failed": "{failed} of {count} checks failed: follow each Fix, then run the doctor again.",
    "doctor.crashed.what": "the check itself crashed: {error}: {message}",
    "doctor.crashed.fix": "Run the doctor again; if this repeats, report it with the doctor's output.",
    "doctor.python.old": "{found}: chatkit needs Python {need} or newer",
    "doctor.python.fix": "Install Python {need} or newer (python.org), make a new virtual environment with it, "
                         "and in it run: pip install -r requirements.txt",
    "doctor.install": "In a terminal, in the chatkit folder, run: pip install -r requirements.txt; then restart the "
                      "kernel.",
    "doctor.package.missing": "not installed (there is no module '{module}' to import)",
    "doctor.package.no_version": "importable (version unknown)",
    "doctor.runtime.missing": "xllamacpp is not installed",
    "doctor.runtime.broken": "llama.cpp (xllamacpp) does not load: {error}",
    "doctor.runtime.ok": "llama.cpp loads (xllamacpp {version}, prebuilt)",
    "doctor.runtime.fix.linux": "Install the GNU OpenMP runtime: on Debian or Ubuntu 'sudo apt-get install libgomp1', "
                                "on Fedora 'sudo dnf install libgomp'; then restart the kernel.",
    "doctor.runtime.fix.win32": "Install the Microsoft Visual C++ Redistributable (x64) from Microsoft's website "
                                "(search 'vc_redist.x64.exe'); then restart the kernel.",
    "doctor.runtime.fix.other": "Reinstall it: pip install --force-reinstall xllamacpp",
    "doctor.model.missing": "missing: {path}",
    "doctor.model.fix": "In a terminal, in the chatkit folder, run: pip install --force-reinstall ./model",
    "doctor.model.ok": "{name} ({megabytes:.0f} MB)",
    "doctor.pulled.ok": "{model} ({megabytes:,.0f} MB, verified): {path}",
    "doctor.pulled.unverified": "{model}: {path} is {megabytes:,.0f} MB, not the catalogue's {expected:,.0f} MB, so "
                                "it is not the verified file",
    "doctor.pulled.fix": "Run: python -m chatkit models pull {model}",
    "doctor.pulled.none": "none yet: python -m chatkit models list shows the models you can pull",
    "doctor.env.none": "none ({where})",
    "doctor.env.key_from_environment": "the key comes from the environment",
    "doctor.env.no_key_needed": "{provider} needs no key",
    "doctor.env.sandbox": "sandbox will be used",
    "doctor.private.windows": "not checked on Windows (your user folder is private)",
    "doctor.private.ok": "mode {mode}: only you can read it",
    "doctor.private.everyone": "mode {mode}: every user of this computer can read it",
    "doctor.private.group": "mode {mode}: your group can read it",
    "doctor.private.writable": "mode {mode}: other users can change it",
    "doctor.private.fix": "In a terminal, run: chmod 600 {path}",
    "doctor.ignored.by_git": "git ignores it",
    "doctor.ignored.listed": "listed in {ignore}",
    "doctor.ignored.tracked": "git already tracks it: the key may be in your history",
    "doctor.ignored.tracked_fix": "In a terminal, run: git rm --cached {quoted}; add the line {file} to {ignore}; "
                                  "commit; then replace the key with a new one.",
    "doctor.ignored.not_listed": "{file} is not listed in {ignore}: git could commit your key",
    "doctor.ignored.fix": "Add the line {file} to {ignore}",
    "doctor.key.local": "none ({provider} runs on your computer and needs none)",
    "doctor.key.sandbox": "none (the sandbox makes its own)",
    "doctor.key.environment": "the environment",
    "doctor.key.set_again": "Then set {variable} again in your environment.",
    "doctor.key.edit": "Edit the {variable} line in {source}.",
    "doctor.key.refused": "{masked} from {source}: {what}",
    "doctor.key.fix": "{fix} {where}",
    "doctor.key.for": "{variable} {masked} from {source} (for {provider})",
    "doctor.key.from": "{masked} from {source}",
    "doctor.key.looks_right": "{masked} from {source} (the format looks right)",
    "doctor.backend.sandbox": "sandbox (offline, on this computer), model {model}",
    "doctor.backend.first_model": "the first chat model the server lists (set CHATKIT_MODEL to choose one)",
    "doctor.backend.found": "{backend} at {url} ({who}), model {model}{lacks}",
    "doctor.backend.provider": "provider: {provider}",
    "doctor.backend.no_preset": "an OpenAI-compatible server chatkit has no preset for",
    "doctor.backend.and_no": " and no ",
    "doctor.backend.lacks.one": "; it offers no {missing} (checked {checked}): cells that need it stop and say so; "
                                "run those with the sandbox",
    "doctor.backend.lacks.many": "; it offers no {missing} (checked {checked}): cells that need them stop and say so; "
                                 "run those with the sandbox",
    "doctor.retired.fix": "Choose a current model in .env, for example CHATKIT_MODEL=gpt-6-luna (see notebook 01); "
                          "{model} is retired by OpenAI on {day}.",
    "doctor.retired.what": "{found}: OpenAI retired {model} on {day}",
    "doctor.retiring": "{found} (OpenAI retires it on {day}, in {days} days: then set CHATKIT_MODEL=gpt-6-luna)",
    "doctor.call.failed": "the test chat completion failed: {what}",
    "doctor.call.ok": "{model} answered {text!r} in {ms} ms at {url}",

    # --- chatkit/__main__.py: what the commands print -----------------------------------------
    "cli.error": "error: {error}",
    "cli.interrupted": "Interrupted.",
    "cli.not_a_count": "{text!r} is not a whole number: use 0 or more (0 turns the limit off)",
    "cli.not_an_amount": "{text!r} is not an amount of money: use a number of 0 or more, such as 2 or 0.50 (0 turns the limit off)",
    "cli.not_a_port": "{text!r} is not a port number: use 1 to 65535, or 0 for any free port",
    "cli.batch.done": "{done} of {total} done, {failed} failed; results in {out}",
    "cli.serve.serving": "Sandbox serving {models} at {url} (data: {data}). Press Ctrl+C to stop.",
    "cli.serve.settings": "Point any OpenAI client at it with these two settings (in .env or the environment):\n"
                          "  OPENAI_BASE_URL={url}\n  OPENAI_API_KEY=<a key from: {command}>",
    "cli.serve.limits": "Imitating the platform's limits, per key: {limits}",
    "cli.serve.stopped": "Sandbox stopped.",
    "cli.keys.created_shown": "Created {id} \"{name}\" in {folder}:\n\n    {key}\n",
    "cli.keys.copy_now": "Copy it now: it will not be shown again (the sandbox keeps only a hash of it).",
    "cli.keys.save_instead": "To write a new key straight to .env instead (readable only by you): {prog} keys create --save",
    "cli.keys.created": "Created {id} \"{name}\": {masked}",
    "cli.keys.saved": "Saved it to {path} as OPENAI_API_KEY (readable only by you; listed in .gitignore).",
    "cli.keys.none": "No keys in {folder} yet. Create one with: {prog} keys create",
    "cli.keys.list": "Keys in {folder}:",
    "cli.keys.column.name": "NAME",
    "cli.keys.column.key": "KEY",
    "cli.keys.column.created": "CREATED",
    "cli.keys.column.status": "STATUS",
    "cli.keys.active": "active",
    "cli.keys.revoked": "revoked",
    "cli.keys.already_revoked": "{id} ({masked}) was already revoked on {date}.",
    "cli.keys.revoked_now": "Revoked {id} \"{name}\" ({masked}): requests with it now get 401 Unauthorized.",

    # --- chatkit/hub/ and `python -m chatkit models`: the catalogue of local models -------------
    "hub.list": "Models you can pull (into {folder}):",
    "hub.list.how": "Pull one with: {prog} models pull NAME   (the sandbox then serves it by that name)",
    "hub.column.name": "NAME",
    "hub.column.size": "SIZE",
    "hub.column.languages": "LANGUAGES",
    "hub.column.licence": "LICENCE",
    "hub.column.pulled": "PULLED",
    "hub.yes": "yes",
    "hub.no": "no",
    "hub.language.zh": "Chinese",
    "hub.language.en": "English",
    "hub.language.between": ", ",
    "hub.licence": "{name} is published under the {licence} licence ({url}): downloading it means you accept its terms.",
    "hub.already": "{name} is already pulled: {path}",
    "hub.trying": "Downloading from {source}: {url}",
    "hub.moving_on": "{source} did not work ({reason}); trying the next source.",
    "hub.wrong_length": "it offered {sent} bytes where {expected} were expected",
    "hub.pulled": "{name} pulled and verified (its SHA-256 matches the catalogue's): {path}",
    "hub.removed": "Removed {name}: {size} freed ({path}).",
    "hub.not_pulled": "{name} is not pulled: there is nothing to remove.",
    "hub.unknown.what": "There is no model called {name!r} in chatkit's catalogue.",
    "hub.unknown.fix": "See the names with: python -m chatkit models list",
    "hub.no_checksum.what": "{name} has no published checksum; chatkit does not download a file it cannot verify.",
    "hub.no_checksum.fix": "Pull another model from python -m chatkit models list, or download the file yourself "
                           "from {sources} and serve it with python -m chatkit serve --model FILE.",
    "hub.no_space.what": "Not enough free disk space for {name}: it needs {need} in {folder}, and {free} is free.",
    "hub.no_space.fix": "Free some space (or set CHATKIT_MODELS_DIR to a folder on a bigger disk) and pull again: "
                        "the download resumes where it stopped.",
    "hub.unreachable.what": "No source could give {name} in full (the lines above say why).",
    "hub.unreachable.fix": "Check your connection and run the same command again: the download resumes where it "
                           "stopped. If Hugging Face is out of reach, set {mirror} to a mirror, for example "
                           "{mirror}=https://hf-mirror.com.",
    "hub.truncated.what": "The download of {name} is incomplete ({got} of {size} bytes), so it was deleted.",
    "hub.corrupted.what": "The downloaded {name} is not the published file (its SHA-256 is {got}, the catalogue's "
                          "is {sha256}), so it was deleted.",
    "hub.again.fix": "Run python -m chatkit models pull {name} again to download it afresh; if it fails the same "
                     "way, set HF_ENDPOINT to another mirror.",

    # --- chatkit/widgets/: labels, buttons and placeholders ------------------------------------
    "widgets.chat.system": "System prompt",
    "widgets.chat.system_bot": "System prompt (the bot's, read-only)",
    "widgets.chat.placeholder": "Type a message and press Enter",
    "widgets.chat.send": "Send",
    "widgets.chat.stop": "Stop",
    "widgets.chat.clear": "Clear",
    "widgets.compare.run": "Run all",
    "widgets.playground.system": "optional: a system message",
    "widgets.playground.seed": "empty: random",
    "widgets.playground.run": "Run",
    "widgets.logprobs.run": "Show probabilities",
    "widgets.logprobs.model": "the model (T=1)",
    "widgets.logprobs.at": "at temperature {temperature:g}",
    "widgets.keys.name": "Name",
    "widgets.keys.first_name": "my first key",
    "widgets.keys.create": "Create key",
    "widgets.keys.yours": "Your sandbox keys",
    "widgets.keys.none": "No keys yet: create one.",
    "widgets.keys.row": "({id}, created {when}, {state})",
    "widgets.keys.active": "active",
    "widgets.keys.revoked_state": "revoked",
    "widgets.keys.revoke": "Revoke",
    "widgets.keys.provider": "Provider",
    "widgets.keys.key": "API key",
    "widgets.keys.save": "Save to .env",

    # --- chatkit/bot/: what the bot tells its users, and what its command prints ----------------
    "bot.reset": "Done: I have forgotten our conversation. How can I help you?",
    "bot.apology": "Sorry, I cannot answer right now. Please try again in a few minutes.",
    "bot.settings.comma": ", ",
    "bot.settings.and": " and ",
    "bot.settings.off": "{platform} is not enabled on this bot: set {needs} in the environment or .env, then restart "
                        "the bot (see {docs}).",
    "bot.serve.serving": "The {shop} bot ({model}) is serving at {url}. Press Ctrl+C to stop.\n"
                         "Callback URLs to give each platform (settings from the environment or .env):",
    "bot.serve.off": "off: set {needs}",
    "bot.serve.stopped": "Bot stopped.",
    "bot.serve.state": "Memory: {path} (conversations kept {days:g} days; {variable} changes it).",
    "bot.interrupted": "Sorry, a restart interrupted my answer. If something is missing, please ask again.",
    "bot.store.retention.what": "{variable}={value!r} is not a number of days.",
    "bot.store.retention.fix": "Set {variable} to a number above 0, such as 7, or remove it to keep conversations 7 days.",
    # chatkit/bot/intake.py: why the bot refuses a platform's request
    "bot.intake.too_large": "The request body is larger than {kb} KB; chat messages are smaller.",
    "bot.intake.cut": "The connection closed before the whole request body arrived.",
    "bot.intake.no_id": "The {platform} message has no message id, so re-deliveries cannot be told apart.",
    "bot.intake.busy": "The bot has too many messages waiting; try again in a minute.",
    "bot.intake.no_sender": "The {platform} message names no sender, so the answer would have no recipient; "
                            "send the sender's user id as {platform} documents.",
    "bot.intake.no_conversation": "The {platform} message names no chat, so it cannot be kept apart from other "
                                  "chats; send the chat's id as {platform} documents.",
    "bot.intake.not_utf8": "The {platform} message holds text that is not valid Unicode (a lone surrogate); "
                           "send UTF-8 text.",
    # chatkit/logs.py and the servers' log lines (python -m chatkit bot serve / im serve)
    "bot.log.refused": "Refused a {platform} request to {route} (HTTP {status}): {why}",
    "im.log.refused": "Refused {method} {route} (HTTP {status}): {why}",
    "logs.level.what": "{variable}={level!r} is not a log level.",
    "logs.level.fix": "Set {variable} to one of {levels}, or pass --log-level.",

    # --- chatkit/im/: the local chat platform's command, errors and delivery states -------------
    "im.cli.serving": "Local chat platform (an imitation of {platform}, for learning) at {url}\n"
                      "Open it, chat as a customer, and watch the bot's replies stream in. Press Ctrl+C to stop.",
    "im.cli.bot": "Customer messages go to the bot's webhook: {url}",
    "im.cli.no_bot": "No bot connected: messages will show 'not delivered'. Restart with --bot URL, e.g. "
                     "--bot http://127.0.0.1:8787 (the chatkit bot's address; {route} is added).",
    "im.cli.settings": "The bot's settings (.env lines; secrets masked):",
    "im.cli.reused": "Credentials reused from (endpoint updated) {path}, readable only by you and listed in "
                     ".gitignore. Point the bot at that file.",
    "im.cli.written": "Credentials written in full to {path}, readable only by you and listed in .gitignore. "
                      "Point the bot at that file.",
    "im.cli.new_secrets": "The secrets are new on every start and shown only masked. To hand them to the bot, run "
                          "again with --env-file .env: they are written there in full, readable only by you, and "
                          "reused next time.",
    "im.cli.stopped": "Local chat platform stopped.",
    "im.error.no_file": "There is no file {name!r} here.",
    "im.error.page_body": "Send a JSON object: {{\"from\": \"<customer uid>\", \"text\": \"...\"}}.",
    "im.error.page_from": "'from' must be the uid of one of the customers listed in /api/state.",
    "im.error.empty": "The message is empty: type some text.",
    "im.error.too_many_pages": "Too many pages are open on the platform; close some tabs and reload.",
    "im.error.send_body": "The body must be a JSON object with type, from_user_id, targets, content_type and "
                          "content. See {docs}",
    "im.error.type": "type is {type!r}: the local platform imitates only type 1 (a one-to-one chat message).",
    "im.error.targets": "targets must be a list of 1 to {most} user ids, e.g. [8589934610].",
    "im.error.ext": "ext must be a JSON string, e.g. \"{{\\\"ai\\\": {{\\\"role\\\": \\\"ai\\\"}}}}\".",
    "im.error.content_type": "content_type is {kind!r}: the local platform imitates 0 (a text message) and 11 "
                             "(an update of message related_mid).",
    "im.error.no_related_mid": "An update (content_type 11) needs related_mid: the id /message/send returned in "
                               "msg_ids for the message to update.",
    "im.error.no_message": "There is no message {id} (the platform keeps the last {kept}). Use an id from msg_ids "
                           "of an earlier /message/send.",
    "im.error.not_sender": "Message {id} was sent by user {sender}: only its sender can update it.",
    "im.error.and": " and ",
    "im.error.header_missing": "the {headers} header is missing",
    "im.error.header_wrong": "app_id or access-token is wrong",
    "im.error.unauthorized": "Unauthorized: {why}. Copy LANYING_APP_ID and LANYING_ADMIN_TOKEN from the platform's "
                             "setup output (or its --env-file) into the bot's settings.",
    "im.error.host": "The page is served to {hosts} only, not to host {host!r}.",
    "im.error.origin": "Messages can be sent only from the platform's own page.",
    "im.error.not_json_type": "Send the message as JSON (Content-Type: application/json).",
    "im.error.too_large": "The body is larger than {kb} KB; send less.",
    "im.error.cut": "The connection closed before the whole body arrived.",
    "im.error.not_json": "The body is not valid JSON (UTF-8).",
    "im.error.no_user": "{field}: {uid!r} is not a user of this app (users: {known}).",
    "im.error.not_text": "{field} must be a string of text.",
    "im.error.too_long": "{field} is {length:,} characters long; the limit is {most:,}.",
    "im.error.surrogate": "{field} holds text that is not valid Unicode (a lone surrogate).",
    "im.delivery.no_bot": "No bot is connected, so nothing was delivered. Start the platform with --bot URL (the "
                          "bot's webhook), or set platform.bot_webhook.",
    "im.delivery.busy": "{count} deliveries are already waiting for the bot; this one was dropped. Send more slowly, "
                        "or check that the bot answers.",
    "im.delivery.twice": "{why} (tried twice)",
    "im.delivery.timeout": "The bot did not answer within {seconds:.0f} s. A bot should answer the callback at once "
                           "and send its reply afterwards.",
    "im.delivery.unreachable": "Could not reach the bot at {url} ({error}). Is it running at that address?",
    "im.delivery.answered": "The bot answered {status}.",
    "im.delivery.answered_said": "The bot answered {status}: {said}",
    # The chat page (chatkit/im/static): the server hands these to app.js, which fills the {fields} itself
    # (plain names, no format spec, no literal braces) and shows them with textContent.
    "im.page.title": "Local chat platform · imitation of {platform}",
    "im.page.heading": "Local chat platform",
    "im.page.badge": "imitation of {platform} · for learning",
    "im.page.notice": "Runs on this computer only. Messages go to your bot's webhook, never to {platform} or anyone "
                      "else.",
    "im.page.connecting": "connecting…",
    "im.page.live": "live",
    "im.page.reconnecting": "reconnecting…",
    "im.page.users": "Users",
    "im.page.conversations": "Conversations",
    "im.page.setup": "Bot connection",
    "im.page.app_id": "App id",
    "im.page.webhook": "Bot webhook",
    "im.page.no_webhook": "none: messages stay undelivered (start with --bot URL)",
    "im.page.placeholder": "Type a message, press Enter to send (Shift+Enter: new line)",
    "im.page.send": "Send",
    "im.page.bot_tag": "bot",
    "im.page.bot_tip": "the bot: it answers through the platform's API",
    "im.page.chat_as": "chat as {name}",
    "im.page.unknown_user": "user {uid}",
    "im.page.no_messages": "no messages yet",
    "im.page.preview": "{name}: {text}",
    "im.page.you_are": "{conversation} · you are {name}",
    "im.page.read_only": "{conversation} · (read only)",
    "im.page.empty": "No messages yet: say hello to the bot.",
    "im.page.updated": "updated {count}×",
    "im.page.pending": "sending to the bot…",
    "im.page.retrying": "first try failed, retrying: {reason}",
    "im.page.delivered": "✓ delivered to the bot",
    "im.page.not_delivered": "✗ not delivered: {reason}",
    "im.page.not_sent": "Not sent: {why}",
    # --- chatkit/classroom/: the class's gateway, its roster and keys ---------------------------
    "classroom.roster.unreadable.what": "Cannot read the roster {path} ({reason}).",
    "classroom.roster.unreadable.fix": "Give a CSV file saved as UTF-8: one name per line, or a header row with id and name columns.",
    "classroom.roster.empty.what": "The roster {path} lists no students.",
    "classroom.roster.empty.fix": "Give a CSV file saved as UTF-8: one name per line, or a header row with id and name columns.",
    "classroom.roster.duplicates.what": "The roster {path} lists some students more than once, so nothing was imported. Each id, then its lines: {listed}.",
    "classroom.roster.duplicates.fix": "Give each student one line; tell apart students with the same name by an id column. Then import again.",
    "classroom.roster.already": "{count} students on the roster are already in the class and keep their keys ({names}).",
    "classroom.roster.nothing_new": "No new students to add. To give a student a new key: {prog} keys rotate ID",
    "classroom.roster.imported": "Added {count} students to the class (stored in {folder}).",
    "classroom.keys.written": "Their keys are in {path} (readable only by you). Hand each student their line, then delete the file: the keys cannot be shown again.",
    "classroom.keys.none": "No students in {folder} yet. Import a roster first: {prog} roster import FILE.csv",
    "classroom.keys.list": "Students and keys in {folder}:",
    "classroom.keys.column.id": "ID",
    "classroom.keys.column.name": "NAME",
    "classroom.keys.column.key": "KEY",
    "classroom.keys.column.issued": "ISSUED",
    "classroom.keys.column.status": "STATUS",
    "classroom.keys.column.tokens": "TOKENS USED",
    "classroom.keys.active": "active",
    "classroom.keys.revoked": "revoked",
    "classroom.keys.revoked_now": "Revoked {count} keys ({names}). Calls with them now get 401 Unauthorized; 'keys rotate' gives a student a new key.",
    "classroom.keys.rotated": "Issued {count} new keys; the old ones now get 401 Unauthorized.",
    "classroom.keys.no_such_student.what": "There is no student with id {shown} in {folder}.",
    "classroom.keys.no_such_student.fix": "Run '{prog} keys list' and copy the id from its ID column.",
    "classroom.upstream.credentials.what": "The upstream URL {url} carries a user name or password before its host: it would show in the gateway's log and on the dashboard.",
    "classroom.upstream.credentials.fix": "Put the credential in a variable instead and name it: URL,key=VARIABLE (sent as the bearer key upstream).",
    "classroom.upstream.bad_url.what": "{url!r} is not an http(s) base URL for an upstream.",
    "classroom.upstream.bad_url.fix": "Give the server's OpenAI-compatible base URL, e.g. https://api.openai.com/v1 or http://127.0.0.1:8000/v1 (vLLM), followed by ,key=VARIABLE if it needs a key.",
    "classroom.upstream.no_key.what": "The upstream option {option!r} names no key that is set.",
    "classroom.upstream.no_key.fix": "Write it as key=VARIABLE and set VARIABLE to the upstream's key in the environment or .env. Never put the key itself on the command line: other users of the machine can see it in the process list.",
    "classroom.gateway.slow_body": "The request body did not arrive within {seconds} seconds, so the classroom gateway stopped waiting. Check your network connection and send the request again.",
    "classroom.gateway.too_large": "The request body is larger than the classroom gateway accepts ({limit:,} bytes). Send a shorter prompt, or split the work into several requests.",
    "classroom.files.too_large": "The classroom gateway accepts files of up to {limit:,} bytes (the platform takes up to 200 MB for a batch). Split your requests into several files, one batch each.",
    "classroom.batches.too_large": "(In this class: this batch could use up to {tokens:,} tokens, counting each request's input and its output limit, and you have {left:,} left. Give each request a lower max_tokens (or max_completion_tokens, max_output_tokens), send fewer requests, or ask your teacher for more.)",
    "classroom.batches.too_expensive": "(In this class: this batch could cost up to {cost}, counting each request's input and its output limit at the standard price, and you have {left} left. Give each request a lower max_tokens (or max_completion_tokens, max_output_tokens), send fewer requests, or ask your teacher for more.)",
    "classroom.gateway.cut_off": "The connection closed before the whole request body arrived. Send the request again.",
    "classroom.gateway.upstream_timeout": "The class's model did not answer within {seconds} seconds. Try again in a minute; if it keeps happening, tell your teacher (the gateway's log names the upstream).",
    "classroom.gateway.upstream_busy": "The class's model is busy: every upstream is at its own rate limit. Wait a few seconds and try again (the SDK retries by itself).",
    "classroom.gateway.upstream_down": "The class's model cannot be reached right now: every upstream refused the call or failed. Try again in a minute; if it keeps happening, tell your teacher, who can see why in the gateway's log.",
    "classroom.gateway.answer_too_large": "The answer from upstream {upstream} is larger than the gateway relays at once. Ask for a shorter answer (a lower max_tokens or max_output_tokens).",
    "classroom.gateway.bug": "The classroom gateway had an error while handling your request. Tell your teacher: its log has the details.",
    "classroom.serve.serving": "Classroom gateway at {url} for {students} students, forwarding to {upstreams}. Press Ctrl+C to stop.",
    "classroom.serve.limits": "Each student's limits: {limits}",
    "classroom.serve.no_limits": "No limits per student are set (see --rpm, --tokens-per-day, --spend-per-day, --models).",
    "classroom.serve.join": "Students put these two lines in their .env (their key is in the keys CSV):\n    OPENAI_BASE_URL={url}\n    OPENAI_API_KEY=sk-class-…",
    "classroom.serve.not_loopback": "The gateway listens on {host}: anyone on that network can reach it, and keys cross it in clear text. Put TLS in front of it (chatkit/classroom/gateway.py shows one way, with Caddy), or serve on 127.0.0.1.",
    "classroom.serve.not_started.what": "The classroom gateway did not start.",
    "classroom.serve.not_started.fix": "Run 'python -m chatkit doctor', and check that no other program uses the port (--port picks another).",
    "classroom.serve.stopped": "Classroom gateway stopped.",
    "classroom.serve.unpriced.what": "A spending limit in {currency} cannot count the models {models}: chatkit's price table has no {currency} price for them, so students calling them would only get an error.",
    "classroom.serve.unpriced.fix": "Limit tokens instead (--tokens-per-day N --spend-per-day 0 --spend-per-course 0), allow only models priced in {currency} (--models), or give the currency they are priced in (--currency CNY or USD).",
    "classroom.limits.teacher": "(In this class, your teacher sets the limits.)",
    "classroom.quota.tokens": "(In this class: you have used {used:,} of your {limit:,} tokens for {period}. Ask your teacher for more.)",
    "classroom.quota.money": "(In this class: you have spent {used} of your {limit} for {period}. Ask your teacher for more.)",
    "classroom.quota.day": "today (UTC)",
    "classroom.quota.course": "the course",
    "classroom.quota.unpriced": "This class limits what each student spends in {currency}, and chatkit's price table has no {currency} price for the model {model!r}, so the gateway cannot count what the call costs and did not send it. Call a model priced in {currency} (or one of the sandbox's free models), or ask your teacher to limit this model by tokens instead.",
    "classroom.keys.page_written": "A page of cards to print, one per student to cut out: {path} (readable only by you; delete it too once the cards are handed out).",
    "classroom.cards.title": "Class keys",
    "classroom.cards.intro": "Cut along the dotted lines and give each student their card. Each key works like a password: keep this page private and shred what is left.",
    "classroom.cards.url": "Class URL:",
    "classroom.cards.key": "Your key (keep it secret):",
    "classroom.cards.join": "Join in one line (paste your key when asked):",
    "classroom.cards.env": "Or put these two lines in your .env file:",
    "classroom.results.not_sent": "(Your result was not sent to the class's gateway: {reason}. The check above still holds; tell your teacher if this keeps happening.)",
    "classroom.results.bad": "Send a result as {{\"exercise\": \"03-ask\", \"passed\": true}}: the exercise's name (letters, digits, \"-\", \"_\", \".\"; at most 100) and true or false.",
    "classroom.dashboard.no_token": "The dashboard needs the teacher's admin token, and this request carries none. Run '{prog}': it prints a link to the dashboard with a new admin token.",
    "classroom.dashboard.wrong_token": "This is not the class's admin token (a newer one may have replaced it). Run '{prog}' for a link with a new admin token.",
    "classroom.dashboard.student_key": "A student's key cannot open the teacher's dashboard. Students can read their own usage at /v1/classroom/usage and their results at /v1/classroom/results.",
    "classroom.dashboard.link": "The dashboard, with a new admin token after '#' (the earlier link stops working; keep this one private):\n    {url}",
    "classroom.dashboard.open": "Open it in your browser. If the gateway is not running yet, start it first: {prog} serve",
    "classroom.dashboard.page.title": "Classroom dashboard",
    "classroom.dashboard.page.loading": "Loading…",
    "classroom.dashboard.page.updated": "Updated at {time}; the page refreshes every 10 seconds.",
    "classroom.dashboard.page.failed": "The gateway answered HTTP {status}.",
    "classroom.dashboard.page.usage_csv": "Export usage (CSV)",
    "classroom.dashboard.page.results_csv": "Export results (CSV)",
    "classroom.dashboard.page.students": "Students",
    "classroom.dashboard.page.id": "ID",
    "classroom.dashboard.page.name": "Name",
    "classroom.dashboard.page.key": "Key",
    "classroom.dashboard.page.key_active": "active",
    "classroom.dashboard.page.key_revoked": "revoked",
    "classroom.dashboard.page.key_none": "none",
    "classroom.dashboard.page.active": "Active (15 min)",
    "classroom.dashboard.page.yes": "yes",
    "classroom.dashboard.page.last_call": "Last call",
    "classroom.dashboard.page.calls": "Calls",
    "classroom.dashboard.page.tokens": "Tokens",
    "classroom.dashboard.page.errors": "Errors",
    "classroom.dashboard.page.spend": "Spend (estimate)",
    "classroom.dashboard.page.unknown": "unknown",
    "classroom.dashboard.page.results": "Exercise results (latest check)",
    "classroom.dashboard.page.no_results": "No student has run a check() yet.",
    "classroom.dashboard.page.hours": "Calls per hour",
    "classroom.dashboard.page.hour": "Hour",
    "classroom.dashboard.page.upstreams": "Upstreams",
    "classroom.dashboard.page.upstream": "Upstream",
    "classroom.dashboard.page.health": "Health",
    "classroom.dashboard.page.healthy": "taking calls",
    "classroom.dashboard.page.resting": "resting after a failure",
    "classroom.dashboard.page.last_error": "Last error",
    "classroom.gateway.ask_teacher": "Ask your teacher for your class key (it starts with sk-class-) and copy it whole.",
    "classroom.join.prompt": "Your class key (sk-class-…; it stays hidden as you paste it): ",
    "classroom.join.bad_url": "{url!r} is not the class's address, so nothing was saved. Give the http(s) base URL your teacher gave you, e.g. http://class.example.edu:8790/v1.",
    "classroom.join.unreachable": "Could not reach the class's gateway at {url} ({reason}), so nothing was saved. Check the address with your teacher, and that the gateway is running.",
    "classroom.join.wrong_key": "The class's gateway at {url} refused the key {key}, so nothing was saved. Ask your teacher for your key and paste it whole.",
    "classroom.join.not_a_gateway": "{url} answered {status}, not with the class's models, so nothing was saved. Check the address with your teacher (it usually ends in /v1).",
    "classroom.join.would_replace": "{path} already holds your own OPENAI_API_KEY ({key}); joining would replace it, so nothing was saved. Keep that key somewhere safe, delete its line, then join again.",
    "classroom.join.joined": "Joined the class at {url} with the key {key} (saved in {path}): your notebooks now use the class.",
    "classroom.join.overridden": "Saved the class's address and key in {path}, but {names}, set in your environment or that file, still take precedence, so your notebooks would not use the class yet. Unset or delete them, then restart Jupyter.",
    "classroom.hub.key_issued": "classroom: {student}'s server starts with a new class key; their previous key no longer works.",
    "classroom.hub.key_revoked": "classroom: {student}'s server stopped, and its class key with it.",
}
