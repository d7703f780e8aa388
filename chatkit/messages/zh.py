"""chatkit 对学习者说的话，中文版：与 chatkit/messages/en.py 键相同、占位符相同。

写给中文读者，不逐字翻译。术语：token（不译，不写作“令牌”），context window 上下文窗口，rate limit 速率限制，
quota 配额，prompt 提示词，API key API 密钥，sandbox 沙盒，retry 重试，billing 账单，
spend limit（平台上的）支出上限，spending guard（chatkit.Budget）花费上限，reasoning model 推理模型，
reasoning effort 推理强度，reasoning tokens 推理 token，sampling settings 采样参数，output limit 输出上限。
代码、参数名、错误码、命令和网址保持原样。
"""

MESSAGES = {
    # --- chatkit/failures.py：Explanation 的显示方式 ---------------------------------------
    "explanation.text": "✗ {what}\n  可能的原因：{cause}\n  怎么办：{fix}\n  重试有用吗？{retry}",
    "explanation.line": "{what} 解决办法：{fix}",
    "error.fix": "解决办法：{fix}",
    "error.docs": "（参见 {docs}）",
    "explanation.line_docs": "{what} 解决办法：{fix}（参见 {docs}）",
    "explanation.retry_yes": "有用：稍等片刻再发送一次（SDK 会自动帮你重试，见 max_retries）。",
    "explanation.retry_no": "没用：同样的请求还会以同样的方式失败。",
    # HTML 表格的标签：与 explanation.text 中的用词相同
    "explanation.cause": "可能的原因",
    "explanation.fix": "怎么办",
    "explanation.retry": "重试有用吗？",
    "explanation.yes": "有用",
    "explanation.no": "没用",

    # --- chatkit/failures.py：explain()，每种失败一组 --------------------------------------
    "explain.none.what": "没有可以解释的错误。",
    "explain.none.cause": "本次会话中还没有任何操作失败。",
    "explain.none.fix": "把异常传进来：except Exception as exc: chatkit.explain(exc)。",
    "explain.unknown.what": "意外错误：{error}: {text}。",
    "explain.unknown.cause": "这不是常见的 API 错误；traceback（回溯信息）会显示它从哪里来。",
    "explain.unknown.fix": "从下往上读 traceback；如果它指向 chatkit 内部，请报告这个问题。",
    "explain.chatkit.cause": "见上面的消息。",
    "explain.chatkit.fix": "请查看文档。",
    "explain.missing_key.what": "客户端没有 API 密钥。",
    "explain.missing_key.cause": "没有设置 OPENAI_API_KEY，也没有传入 api_key=。",
    "explain.missing_key.fix": "使用 chatkit.connect()（沙盒不需要密钥），或者把密钥保存到 .env（笔记本 02）后重启内核。",
    "explain.no_key_sent.what": "服务器没有收到 API 密钥 {said}。",
    "explain.no_key_sent.cause": "创建客户端时没有提供密钥，或者存放密钥的变量是空的。",
    "explain.no_key_sent.fix": "把密钥保存到 .env（笔记本 02），重启内核，然后使用 chatkit.connect()。",
    "explain.wrong_key.what": "服务器拒绝了密钥 {key} {said}：{message}。",
    "explain.wrong_key.cause": "密钥输错了、已被吊销，或者是为另一个服务器或服务商创建的。",
    "explain.wrong_key.fix": "到服务商的 API 密钥页面重新复制密钥（或新建一个），保存到 .env，重启内核，"
                             "再用 chatkit.verify(client) 检查。",
    "explain.wrong_key.fix_sandbox": "重新复制一次密钥（错一个字符就不行），或者用 python -m chatkit keys create "
                                     "--save 生成一个新的。沙盒密钥只在创建它的那个数据文件夹的沙盒上有效"
                                     "（如果你的沙盒用的是别的文件夹，加上 --data-dir DIR）。",
    "explain.region.what": "该服务商不为你所在的国家或地区提供服务 {said}。",
    "explain.region.cause": "OpenAI 拒绝来自部分地区的请求（包括中国大陆、香港和澳门）。",
    "explain.region.fix": "换一个为你所在地区提供服务的服务商（笔记本 01），或者使用离线沙盒。",
    "explain.permission.what": "密钥 {key} 无权执行这个操作 {said}：{message}。",
    "explain.permission.cause": "这是一个没有该权限的受限密钥，或者项目无权使用这个模型。",
    "explain.permission.fix": "给密钥加上这项权限（API 密钥页面的 Permissions），或者换一个模型。",
    "explain.model.what": "服务器上没有名为 {model!r} 的模型 {said}。",
    "explain.model.cause": "模型名称拼错了，或者这个服务器（或你的项目）不提供这个模型。",
    "explain.model.fix": "从列表中选一个模型（client.models.list() 会列出全部），或者在 .env 中设置 CHATKIT_MODEL。",
    "explain.url.what": "服务器上没有 {path} 这个端点 {said}。",
    "explain.url.cause": "base URL 缺了 /v1（或者写了两次），或者服务商没有这个 API：很多兼容 OpenAI 的服务商"
                         "提供 Chat Completions，但不提供 Responses API。",
    "explain.url.fix": "检查 OPENAI_BASE_URL；如果服务商没有这个端点，改用 client.chat.completions.create。",
    "explain.quota.what": "这个账户不能再产生费用了 {said}。",
    "explain.quota.cause": "{reason}：这是账单问题，不是速度问题。",
    "explain.quota.fix": "到账单页面充值，或者申请更高的上限；在沙盒中用 box.limits.reset()。干等是没有用的。",
    "explain.quota.fix_spend_limit": "提高或取消支出上限（Settings 中的 Limits），或者等每月重置；"
                                     "在沙盒中用 box.limits.reset()。干等是没有用的。",
    # 账单类 429 的原因，按错误码（chatkit.failures.BILLING）
    "billing.credit_balance_exhausted": "账户的预付余额已经用完",
    "billing.organization_usage_limit_exceeded": "组织已达到 OpenAI 给它的使用上限",
    "billing.organization_spend_limit_exceeded": "组织已达到为它设置的支出上限",
    "billing.project_spend_limit_exceeded": "这个项目已达到为它设置的支出上限",
    "billing.insufficient_quota": "配额不足：余额用完，或者达到了支出上限或使用上限",
    "explain.over_limit.what": "这个请求超出了速率限制允许的大小 {said}：{message}。",
    "explain.over_limit.cause": "单个请求每分钟需要的 token 数就超过了限制。",
    "explain.over_limit.fix": "调低输出上限（max_output_tokens，Chat Completions 里是 max_completion_tokens）或缩短输入；等待也没有用。",
    "explain.rate_limit.what": "达到速率限制 {said}：{message}。",
    "explain.rate_limit.cause": "每分钟的请求数或 token 数超过了你的用量等级（usage tier）所允许的。",
    "explain.rate_limit.fix": "稍等片刻再发送；要发很多提示词时，请控制发送节奏（笔记本 06）。",
    "explain.rate_limit.fix_wait": "等 {wait:g} 秒（见 retry-after 响应头）再发送；要发很多提示词时，"
                                   "请控制发送节奏（笔记本 06）。",
    "explain.context_length.what": "请求超出了模型的上下文窗口 {said}。",
    "explain.context_length.cause": "对话或文档越来越长，超过了模型一次能读的长度。",
    "explain.context_length.fix": "裁剪历史（Conversation(client, budget=1500)）、缩短输入，或者调低输出上限"
                                  "（笔记本 05）。",
    "explain.not_multimodal.what": "这个模型读不了这类输入 {said}：{message}。",
    "explain.not_multimodal.cause": "把图片、音频或文件发给了只能读文本的模型（比如沙盒里的模型）。",
    "explain.not_multimodal.fix": "只发送文本，或者换一个能读图片和音频的模型（笔记本 01 对它们做了比较）。",
    "explain.too_large.what": "请求体太大 {said}：{message}。",
    "explain.too_large.cause": "输入太大，比如把整个文件粘贴进了一条消息。",
    "explain.too_large.fix": "每次请求少发一些文本，或者把任务拆开（笔记本 06）。",
    "explain.reasoning_sampling.what": "模型拒绝了参数 '{param}' {said}：{message}。",
    "explain.reasoning_sampling.cause": "{model} 是推理模型。推理强度不是 'none' 时，它自己决定怎么选词，所以不接受 "
                                        "temperature、top_p 和 logprobs。",
    "explain.reasoning_sampling.fix": "想用 '{param}'，就先关掉推理（Responses API 里传 reasoning={{'effort': 'none'}}，"
                                      "Chat Completions 里传 reasoning_effort='none'），前提是模型支持 'none'，比如 "
                                      "gpt-6-luna；或者干脆去掉 '{param}'（见笔记本 04）。",
    "explain.reasoning_effort.what": "模型不接受这个推理强度 {said}：{message}。",
    "explain.reasoning_effort.cause": "每个模型支持的推理强度各不相同；不做推理的模型，哪一档都不支持。",
    "explain.reasoning_effort.fix": "改用报错信息里列出的某个推理强度，或者不传，让模型用默认值"
                                    "（chatkit.reasoning.efforts(model) 会列出它们，见笔记本 04）。",
    "explain.reasoning_max_tokens.what": "模型拒绝了参数 'max_tokens' {said}：{message}。",
    "explain.reasoning_max_tokens.cause": "推理模型只接受输出上限的新参数名，而且这个上限把隐藏的推理 token 也算在内。",
    "explain.reasoning_max_tokens.fix": "把 max_tokens 换成 max_completion_tokens，并且留足空间，既够推理，"
                                        "又够回答（见笔记本 03）。",
    "explain.bad_request.what": "服务器拒绝了这个请求 {said}：{message}。",
    "explain.bad_request.what_param": "服务器拒绝了这个请求 {said}：{message}。请修改参数 '{param}'。",
    "explain.bad_request.cause": "某个参数超出了范围、类型不对，或者这个模型或 API 不支持它。",
    "explain.bad_request.fix": "按消息里指出的参数修改，改成允许范围内的值，或者这个模型支持的值，然后重新运行。",
    "explain.bad_request.fix_type": "按消息要求的类型传这个值：数字和 true、false 都不加引号（写 \"seed\": 7，"
                                    "不要写 \"seed\": \"7\"），然后重新运行。",
    "explain.server_timeout.what": "服务器等待请求时超时了 {said}。",
    "explain.server_timeout.cause": "上传太慢或被中断。",
    "explain.server_timeout.fix": "再发送一次。",
    "explain.server.what": "服务器出了问题 {said}：{message}。",
    "explain.server.cause": "服务商那边出现故障或过载，不是你代码的问题。",
    "explain.server.fix": "等几秒再发送一次；如果问题持续，查看服务商的状态页面。",
    "explain.http.what": "服务器返回了 {status}：{message}。",
    "explain.http.cause": "见服务器的消息。",
    "explain.http.fix": "读一读这条消息；如果看不明白，运行 'python -m chatkit doctor'。",
    "explain.timeout.what": "请求超时：在限定时间内没有收到回答。",
    "explain.timeout.cause": "生成的内容很长、服务器繁忙，或者网络太慢。",
    "explain.timeout.fix": "再发送一次；如果一直超时，检查网络连接（和代理），或者给客户端更多时间："
                           "connect(timeout=120)。调低输出上限（max_output_tokens）可以让回答更短。",
    "explain.host_not_found.what": "找不到主机名 {host!r}。",
    "explain.host_not_found.cause": "OPENAI_BASE_URL 拼写有误，或者这台机器没有网络（或没有 DNS）。",
    "explain.host_not_found.fix": "检查 OPENAI_BASE_URL 的拼写，并确认已经联网。",
    "explain.refused.what": "{host} 上没有服务在监听。",
    "explain.refused.cause": "那个地址上没有任何服务在监听。",
    "explain.refused.cause_local": "沙盒（或本地服务器）没有运行，或者运行在另一个端口上。",
    "explain.refused.fix": "先启动服务器：chatkit.connect() 会为你启动沙盒；如果是你自己的服务器，"
                           "启动它或修正 OPENAI_BASE_URL。",
    "explain.proxy.what": "代理拒绝了到 {host} 的连接，或者连接失败。",
    "explain.proxy.cause": "代理设置（HTTPS_PROXY）有误，或者代理屏蔽了这个服务商。",
    "explain.proxy.fix": "检查 HTTPS_PROXY / HTTP_PROXY，或者问问管理你所在网络的人。",
    "explain.certificate.what": "到 {host} 的安全连接失败（证书问题）。",
    "explain.certificate.cause": "所在网络会拦截 HTTPS（例如公司代理），或者系统时间偏差太大。",
    "explain.certificate.fix": "向网络管理员要代理的证书（SSL_CERT_FILE），或者检查系统时间。",
    "explain.network.what": "无法连接到 {host}。",
    "explain.network.cause": "没有网络、被防火墙或代理拦住了，或者服务器在请求中途断开了。",
    "explain.network.fix": "检查网络连接（和代理设置），然后再发送一次。",
    "explain.no_host": "服务器",

    # --- chatkit/exercises/：check() 的结论 --------------------------------------------------
    "exercises.not_done": "还没完成。{hint}",
    "exercises.wrong": "✗ {wrong}\n  提示：{hint}",
    "exercises.raised": "✗ {function}() 抛出了 {error}：{exc}\n  提示：{hint}",
    "exercises.passed": "✓ {done}",
    "exercises.setup": "请先运行最上面的准备单元格，因为检查要用到笔记本里的 `client` 和 `MODEL`。",
    "exercises.offer_solution": "还是卡住了？运行 {call} 可以看一份参考答案。",
    "exercises.solution": "一份参考答案（你的写法可以不同，同样能通过）：\n\n{code}",

    # --- chatkit/exercises/lessons.py：每个练习的提示、错误答案和通过信息 -----------------
    # .hint 是第一次的点拨（只点出思路，不给代码）；答错之后才给 .hint_more。
    "00-live-backend.hint": "别把答案直接写进函数，去问 chatkit。本篇里是哪个函数打印出了 chatkit 连着的后端？"
                            "它的哪个字段是后端的名字？",
    "00-live-backend.hint_more": "chatkit.backend_info() 返回一个对象，它的 `backend` 字段就是后端的名字。"
                                 "返回这个字段，不要返回整个对象，也不要返回你自己写上的名字。",
    "00-live-backend.wrong": "live_backend() 返回了 {got!r}，但 chatkit 用的是 {backend!r}。",
    "00-live-backend.hard_coded": "设置了密钥之后，live_backend() 仍然返回 {got!r}：要去问 chatkit，"
                                  "不要把名字直接写进函数里。",
    "00-live-backend.works": "live_backend() 没问题：现在是 {backend!r}，设置密钥后会变成 'openai'。",

    "01-calls-per-dollar.hint": "一美元里能装下几次调用的价钱？一次调用的价钱可以用笔记本里的 cost() 算出来。",
    "01-calls-per-dollar.hint_more": "一次调用花费 cost(model, input_tokens, output_tokens) 美元，"
                                     "一美元能调用的次数就是 1 除以它。直接返回这个数，不要取整。",
    "01-calls-per-dollar.no_prices": "笔记本里没有 PRICES 表：请先运行练习上方的单元格。",
    "01-calls-per-dollar.wrong": "calls_per_dollar({model!r}, {tokens_in}, {tokens_out}) 返回了 {got!r}；"
                                 "一美元可以支付 {expected:,.1f} 次这样的调用。",
    "01-calls-per-dollar.works": "calls_per_dollar() 没问题：在 {model} 上，输入和输出各 1,000 个 token 时，"
                                 "一美元能调用 {calls:,.0f} 次。",

    "02-find-keys.hint": "正则表达式能找出一段文本里所有的匹配。先描述一下完整的密钥：以什么开头，后面跟哪些字符，"
                         "至少有多少个。打了码的密钥里有一个字符，是完整的密钥里绝不会有的。",
    "02-find-keys.hint_more": "用 re.findall() 加一个模式：'sk-' 后面跟 20 个或更多的字母、数字、'-' 或 '_'。"
                              "打了码的密钥里有 '…'，所以不会被匹配到。",
    "02-find-keys.case_env_line": ".env 中一行里的密钥",
    "02-find-keys.case_two_keys": "同一段文本里的两个密钥",
    "02-find-keys.case_masked": "打了码的密钥（可以放心显示）",
    "02-find-keys.case_words": "中间含有 'sk-' 的普通单词",
    "02-find-keys.wrong": "对于「{case}」，find_keys() 返回了 {got!r}，应该是 {expected!r}。",
    "02-find-keys.works": "find_keys() 能找出完整的密钥，并忽略打了码的密钥。",

    "03-ask.hint": "用这个问题调用一次 API，带上本篇讲过的两个参数，一个让回答可以重复，一个让回答不会太长。"
                   "然后只返回回答的文本，不要返回整个响应对象。",
    "03-ask.hint_more": "调用 client.responses.create()，传入 input=question、temperature=0 和 "
                        "reasoning={{\"effort\": \"none\"}}（gpt-6-luna 这样的推理模型，要关掉推理才接受 temperature），"
                        "再加上 max_output_tokens=50，最后返回 reply.output_text。用哪个客户端都行，client、"
                        "你自己建的 OpenAI(...)、chatkit.connect() 都可以。",
    "03-ask.no_request": "ask() 没有发出任何请求：用这个问题调用 API，并返回它的回答。",
    "03-ask.endpoint": "ask() 调用的是 {path}：请使用 Responses API（或 Chat Completions）。",
    "03-ask.temperature": "请求中的 temperature={temperature!r}：请发送 temperature=0。",
    "03-ask.no_limit": "请求没有限制输出 token 数：最多设为 50。",
    "03-ask.limit": "请求允许 {limit} 个输出 token：最多设为 50。",
    "03-ask.not_text": "ask() 返回的是 {type}：请返回回答的文本（reply.output_text）。",
    "03-ask.other_text": "ask() 返回了一个字符串，但不是模型发回的回答：请返回 reply.output_text。",
    "03-ask.works": "ask() 发送了 temperature=0 和 {limit} 个 token 的上限，并返回了模型的文本。",

    "04-repeatable-settings.hint": "采样是随机的。哪个参数能让同样的随机选择再出现一次？",
    "04-repeatable-settings.hint_more": "temperature 保持在 0.5 或以上，再加一个 seed，取一个整数，比如 7"
                                        "（不要写成字符串 \"7\"）。seed 和其他参数都不变，回答就会重复。",
    "04-repeatable-settings.not_dict": "repeatable_settings() 返回的是 {type}：请返回一个参数字典。",
    "04-repeatable-settings.too_cold": "temperature 要保持在 0.5 或以上：回答应该是真正采样出来的。",
    "04-repeatable-settings.wrong_type": "API 拒绝了你的参数：{message} 每个值都要用 API 要求的类型，"
                                         "数字不加引号（写 \"seed\": 7，不要写 \"seed\": \"7\"）。",
    "04-repeatable-settings.refused": "API 拒绝了你的参数：{message} 请按这条信息修改 '{param}'。",
    "04-repeatable-settings.differ": "用你的参数得到了两个不同的回答：再加一个能固定随机选择的参数。"
                                     "（设置了 seed 后，OpenAI 大多数时候会重复同一个回答，但不是每次都会："
                                     "如果你设置了，就再运行一次检查。）",
    "04-repeatable-settings.not_random": "即使没有 seed，你的参数也总是给出同一个回答：它们把随机性去掉了"
                                         "（比如用了非常小的 top_p）。让回答保持采样，再用 seed 让它重复。",
    "04-repeatable-settings.works": "在 temperature {temperature} 下，两次得到了相同的采样回答。",

    "05-trim.hint": "系统消息留着，再从最早的一轮开始一轮一轮往下删，直到整段对话不超出预算。"
                    "怎么数一段对话的 token，本篇讲过。",
    "05-trim.hint_more": "从列表的副本开始；只要 tokens.count_messages(..., MODEL) 超出预算、且剩下的对话不止一轮，"
                         "就删掉系统消息之后最早的那一轮。",
    "05-trim.changed": "trim() 修改了传给它的列表：请构建并返回一个新列表。",
    "05-trim.system": "系统消息要保留在最前面。",
    "05-trim.order": "删掉最早的消息，保留最新的，并保持它们原来的顺序。",
    "05-trim.over": "budget={budget} 时，结果仍有 {tokens} 个 token。",
    "05-trim.too_much": "budget={budget} 时，trim() 删掉的比需要的多。",
    "05-trim.works": "trim() 会删掉最早的几轮对话、保留系统消息，并在预算以内停下。",

    "06-tokens-counted.hint": "请求运行之前，每分钟 token 数的限制会先为它预留额度，既有提示词的 token，"
                              "也有回答最多能用的 token。请求里哪个数字给回答的长度封了顶？",
    "06-tokens-counted.hint_more": "tokens.count_messages(messages, MODEL) 计算提示词的 token 数（笔记本 05），"
                                   "再加上 max_tokens，也就是回答最多能用的 token 数。沙盒和 chatkit 的并发运行器"
                                   "在请求运行之前就是这样算的。",
    "06-tokens-counted.wrong": "对于 {count} 条消息和 max_tokens={limit}，tokens_counted() 返回了 {got!r}；"
                               "这个请求计为 {expected}。",
    "06-tokens-counted.sandbox": "沙盒从速率限制中扣除了 {taken} 个 token，而 tokens_counted() 给出的是 {counted}。",
    "06-tokens-counted.works": "tokens_counted() 计入了提示词和输出上限：{counted} 个 token。",
    "06-tokens-counted.works_sandbox": "tokens_counted() 计入了提示词和输出上限：{counted} 个 token"
                                       "（沙盒从速率限制中扣除了 {taken} 个）。",

    "07-should-retry.hint": "把失败分成两类：一类等一等就可能好（服务器太忙、连接断了），另一类同样的请求还会同样失败"
                            "（请求本身或密钥有错、余额不够）。先看异常是哪个类，分出一部分；剩下的看 HTTP 状态码和错误里的字段。",
    "07-should-retry.hint_more": "openai.APIConnectionError（包括超时）可以重试。对于 openai.APIStatusError，"
                                 "status_code 为 408、409、429 和 5xx 的可以重试，但账单问题引起的 429 除外。"
                                 "在平台上，这种错误的 type（exc.type）是 'insufficient_quota'，code（exc.code）"
                                 "说明碰到的是哪一种限制，所以要判断 exc.type，而不是 exc.code。",
    "07-should-retry.case_rate_limit": "429 速率限制",
    "07-should-retry.case_billing": "429 {code}",
    "07-should-retry.case_bad_request": "400 错误请求",
    "07-should-retry.case_wrong_key": "401 密钥错误",
    "07-should-retry.case_unknown_model": "404 未知模型",
    "07-should-retry.case_server_error": "500 服务器错误",
    "07-should-retry.case_overloaded": "503 服务器过载",
    "07-should-retry.case_connection": "连接错误",
    "07-should-retry.case_timeout": "超时",
    "07-should-retry.raised": "遇到「{case}」（{exc_type}）时，should_retry() 抛出了 {error}：{crash}。"
                              "不是每种错误都有 status_code，先用 isinstance() 看看它是哪个类。",
    "07-should-retry.retry": "遇到「{case}」（{exc_type}）时，should_retry() 返回了 {got!r}；应该是 True："
                             "等一等可能就好了。",
    "07-should-retry.no_retry": "遇到「{case}」（{exc_type}）时，should_retry() 返回了 {got!r}；应该是 False："
                                "同样的请求还会以同样的方式失败。",
    "07-should-retry.billing": "遇到「{case}」（{exc_type}）时，should_retry() 返回了 {got!r}；应该是 False。"
                               "这个 429 是钱的问题，不是速度的问题，等多久都没用。要看错误的 type，凡是账单问题的 429，"
                               "exc.type 都是 'insufficient_quota'，而 exc.code 说明碰到的是哪一种限制（这里是 {code!r}）。",
    "07-should-retry.works": "should_retry() 没问题：速率限制、服务器错误和断开的连接要重试；"
                             "配额问题和请求本身的错误永远不重试。",

    "08-my-shop.hint": "机器人只知道系统提示词里写了什么，而提示词是用书店的资料拼出来的。"
                       "从示例书店开始，给它再加一个问题和对应的答案。",
    "08-my-shop.hint_more": "先写 shop = Shop.example()，再用 shop.faq.append((问题, 答案)) 加一条关于寄往国外"
                            "（abroad、internationally、overseas 等）的问答，最后返回 shop。问答最好用英文写。",
    "08-my-shop.not_shop": "my_shop() 返回的是 {type}；请返回一个 Shop（从 Shop.example() 开始）。",
    "08-my-shop.no_abroad": "my_shop() 新加的 FAQ 里没有一条是关于寄往其他国家的（检查会找 abroad、international、"
                            "overseas、other countries、worldwide、海外、国外这类词）。往 shop.faq 里加一对相关的"
                            " (问题, 答案)。",
    "08-my-shop.lost": "my_shop() 丢掉了示例中的部分 FAQ 或政策：在原有内容上添加，不要替换。",
    "08-my-shop.not_sent": "你新加的 FAQ 条目的回答没有传给模型：它必须出现在系统提示词里。",
    "08-my-shop.works": "my_shop() 没问题：机器人的提示词现在能回答 {question!r}，"
                        "每条消息都会附带这 {count} 条 FAQ。",

    "09-book-format.hint": "这里要用结构化输出，也就是由服务器保证回答符合 JSON schema 的 response_format。"
                           "本篇用类生成过一个，这次手写同样的字典。另外，JSON Schema 里哪种类型表示整数？",
    "09-book-format.hint_more": "{{'type': 'json_schema', 'json_schema': {{'name': 'book', 'strict': True, "
                                "'schema': …}}}}，其中 schema 是一个 object，属性有 title（string）、author（string）"
                                "和 year（integer），三个都放进 'required'，并设置 'additionalProperties': False。",
    "09-book-format.shape": "book_format() 应该返回 {{'type': 'json_schema', 'json_schema': {{'name': …, "
                            "'strict': True, 'schema': {{…}}}}}}：也就是结构化输出的 response_format。",
    "09-book-format.strict": "book_format() 漏掉了 strict。在 json_schema 中设置 'strict': True："
                             "只有这样，服务器才保证回答符合 schema。",
    "09-book-format.refused": "服务器拒绝了 book_format() 的 schema：{message} 请修改它指出的位置。用了 "
                              "'strict': True 时，每个 object 都要设置 'additionalProperties': False，"
                              "并把它的所有属性都列进 'required'。",
    "09-book-format.number": "book_format() 的 schema 里，'{field}' 的类型是 'number'，这样 1937.5 也合法。"
                             "JSON Schema 里表示整数的类型是 'integer'。",
    "09-book-format.schema_type": "book_format() 的 schema 里，'{field}' 的类型是 {got!r}，练习要求的是 {type!r}。",
    "09-book-format.fields": "用 book_format() 时，模型回答的字段是 {fields}；schema 应该恰好要求 title、author "
                             "和 year 这三个字段（全部放进 'required'）。",
    "09-book-format.type": "用 book_format() 时，'{field}' 返回的是 {value!r}：在 schema 里把它的类型设为 {type}。",
    "09-book-format.works": "book_format() 没问题：模型回答了 {book}。",

    # --- chatkit/keys.py：check_key_format() ----------------------------------------------
    "keys.empty.what": "密钥是空的。",
    "keys.empty.fix": "粘贴你从 API 密钥页面复制的密钥。",
    "keys.spaces.what": "密钥的开头或结尾有空格或换行。",
    "keys.spaces.fix": "重新复制一次，不要带上空格，或者用 key.strip()。",
    "keys.quotes.what": "密钥里带了引号。",
    "keys.quotes.fix": "去掉引号即可，密钥本身不含引号。",
    "keys.bearer.what": "密钥以 'Bearer' 开头。",
    "keys.bearer.fix": "只粘贴密钥本身，不要带前面的 'Bearer '。",
    "keys.masked.what": "这是一个打了码的密钥（含有 '…'、'...' 或 '**'），中间部分被隐藏了。",
    "keys.masked.fix": "完整的密钥只在创建时显示一次。如果当时没有保存，请新建一个密钥。",
    "keys.inside.what": "密钥中间有空格或换行（第 {position} 个字符）。",
    "keys.inside.fix": "重新完整地复制一次密钥，密钥本身不含空格。",
    "keys.full_width.what": "密钥的第 {position} 个字符“{char}”是全角字符或汉字，而密钥只含半角字母、数字和少数几个符号。",
    "keys.full_width.fix": "把输入法切换到半角（英文）状态，再到 API 密钥页面重新复制密钥，不要手动输入。",
    "keys.characters.what": "密钥的第 {position} 个字符是不可见字符或非 ASCII 字符（{code}），密钥里不会有这种字符。",
    "keys.characters.fix": "到 API 密钥页面重新复制密钥，不要手动输入任何字符。",
    # 以下是提醒，不是错误：密钥可能没问题。
    "keys.shape_mismatch": "{key} 看起来不像 {title} 的密钥（该服务商的密钥形如 {shape}）。请确认你从 {title} 的 API 密钥页面"
                           "复制的是完整的密钥，而不是密钥的名称或 ID，并确认 CHATKIT_PROVIDER 填的是正确的服务商。",
    "keys.shape_unknown": "chatkit 无法检查 {key} 的格式，因为 {title} 的文档没有说明密钥长什么样。请确认你从该服务商的"
                          " API 密钥页面复制了完整的密钥。",
    "keys.shape_no_provider": "chatkit 不知道这个密钥属于哪家服务商，无法检查 {key} 的格式。请确认你复制了完整的密钥。",
    "keys.short": "密钥 {key} 只有 {length} 个字符，真正的密钥要长得多。请确认你复制了完整的密钥。",

    # --- chatkit/config.py：相互矛盾的设置 ---------------------------------------------------
    "config.no_base_url.what": "CHATKIT_PROVIDER 是 {name!r}，而 {title} 没有统一的 base URL：每个资源都有自己的地址。",
    "config.no_base_url.fix": "在 .env 文件里加上 OPENAI_BASE_URL={hint}，换成你的资源名称。",
    "config.no_provider_key.what": "CHATKIT_PROVIDER 是 {name!r}，但没有找到 {variable}。",
    "config.no_provider_key.fix": "在 .env 文件里加上 {variable}=你的密钥（在 {title} 的平台上创建密钥：{docs}），"
                                  "或者删除 CHATKIT_PROVIDER，改用沙盒。",
    "config.no_deployment.what": "{title} 需要用你的部署名称作为模型名，chatkit 猜不出来。",
    "config.no_deployment.fix": "在 .env 文件里加上 CHATKIT_MODEL=<{hint}>。",
    "config.unknown_backend.what": "CHATKIT_BACKEND 是 {value!r}，chatkit 不认识这个值。",
    "config.unknown_backend.fix": "把它设为 'sandbox' 或 'openai'，或者删除它，让 chatkit 自己选择。",
    "config.openai_without_key.what": "CHATKIT_BACKEND 是 'openai'，但没有找到 OPENAI_API_KEY。",
    "config.openai_without_key.fix": "在 .env 文件里加上 OPENAI_API_KEY，或者删除 CHATKIT_BACKEND，改用沙盒。",
    "config.unknown_language.what": "CHATKIT_LANG 是 {value!r}，chatkit 不认识这个值。",
    "config.unknown_language.fix": "把它设为 'zh'（中文）或 'en'（英文），或者删除它，让语言跟随笔记本的版本"
                                   "（notebooks/zh/ 里说中文）。",

    # --- chatkit/connect.py：服务器的默认模型 ------------------------------------------------
    "connect.no_reasoning_model.what": "chatkit 不知道当前后端有哪个推理模型（默认模型是 {model}）。",
    "connect.no_reasoning_model.fix": "在 .env 里把 CHATKIT_REASONING_MODEL 设为服务商的某个推理模型（笔记本 01 列了几个），再重启内核；也可以跳过讲推理的单元格。",
    "connect.cannot_ask.what": "chatkit 无法向 {base_url} 询问它提供哪些模型：{what}",
    "connect.cannot_ask.fix": "{fix}或者在 .env 里把 CHATKIT_MODEL 设为你想用的模型。",
    "connect.no_chat_model.what": "{base_url} 上的服务器没有列出任何聊天模型（{listed}）。",
    "connect.no_chat_model.none": "一个模型也没有",
    "connect.no_chat_model.fix": "在那台服务器上加载或拉取一个聊天模型（Ollama：ollama pull qwen2.5:0.5b），"
                                 "或者在 .env 里把 CHATKIT_MODEL 设为它提供的某个模型。",

    # --- chatkit/budget.py：花费上限 ----------------------------------------------------------
    "budget.no_limit.what": "预算需要一个上限。",
    "budget.no_limit.fix": "给出 dollars=0.50 或 tokens=10_000（也可以两个都给）。",
    "budget.negative.what": "预算不能是负数。",
    "budget.negative.fix": "给一个大于或等于 0 的上限。",
    "budget.over_tokens": "花费上限在发送前拒绝了这次调用：它最多可能用掉 {most_tokens:,} 个 token，"
                          "而预算的 {limit:,} 个 token 中已有 {committed:,} 个被用掉或预留。",
    "budget.over_dollars": "花费上限在发送前拒绝了这次调用：它最多可能花费 ${cost:.6f}，"
                           "而预算的 ${limit:g} 中已有 ${committed:.6f} 被花掉或预留。",
    "budget.unbounded": "（这次调用没有设置输出上限，所以按沙盒的上限计入了 {output:,} 个输出 token，"
                        "换成别的服务器可能会输出更多。）",
    "budget.over.fix": "调低输出上限或缩短输入，或者提高上限（budget.tokens = …，budget.dollars = …），"
                       "或者用 budget.reset() 从头开始计算。",
    "budget.no_price.what": "花费上限无法给模型 {model!r} 定价，所以拒绝了这次调用。",
    "budget.no_price.fix": "传入 Budget(price_as='gpt-4.1-mini')（chatkit 价格表里有的模型），"
                           "或者改用 token 预算：Budget(tokens=10_000)。",

    # --- chatkit/providers.py：服务商预设，以及各自提供的接口 ------------------------------------
    "providers.unknown.what": "CHATKIT_PROVIDER 是 {name!r}，chatkit 不认识这个服务商。",
    "providers.unknown.fix": "把它设为 {names} 之一，或者删除它（这样有 OPENAI_API_KEY 时 chatkit 使用 OpenAI，"
                             "没有时使用沙盒）。如果要用其他兼容的服务器，请改为设置 OPENAI_BASE_URL 和 "
                             "OPENAI_API_KEY。",
    "providers.unknown_endpoint.what": "chatkit 不知道名为 {endpoint!r} 的接口。",
    "providers.unknown_endpoint.fix": "请询问这些接口之一：{endpoints}。",
    "providers.not_supported.what": "{provider} 不提供 {endpoint}（核对于 {checked}）：{what}需要它。",
    "providers.not_supported.cause": "{provider} 只提供 OpenAI API 的一部分，它的文档（核对于 {checked}）"
                                     "里没有 {endpoint}。",
    "providers.not_supported.fix": "在{elsewhere}上运行它，或者{instead}。",
    "providers.this_cell": "这个单元格",
    "providers.this_request": "这个请求",
    "providers.the_sandbox": "沙盒",
    "providers.either": "{first}或{second}",
    "providers.nowhere": "提供它的服务商",
    # 各个接口（键名同 chatkit.providers.ENDPOINT_NAMES），以及可以改做什么（INSTEAD）
    "providers.endpoint.responses": "Responses API",
    "providers.endpoint.chat": "Chat Completions API",
    "providers.endpoint.batch": "Batch API",
    "providers.endpoint.embeddings": "Embeddings API",
    "providers.endpoint.stream_usage": "流式输出中的 token 用量（stream_options.include_usage）",
    "providers.instead.responses": "改用 client.chat.completions.create",
    "providers.instead.chat": "改用 client.responses.create",
    "providers.instead.batch": "逐个发送请求",
    "providers.instead.embeddings": "跳过这个单元格",
    "providers.instead.stream_usage": "从不带 stream=True 的调用里读取用量",

    # --- chatkit/tokens.py：用哪个分词器 ---------------------------------------------------------
    "tokens.unknown_model.what": "chatkit 不知道模型 {model!r} 用的是哪个分词器。",
    "tokens.unknown_model.fix": "自己指定编码，例如 count(text, encoding='o200k_base')；对于不是 OpenAI 的模型"
                                "（Llama、Qwen…），这样数出来的 token 数只是估计值。",
    "tokens.no_choice.what": "请说明要用哪个分词器。",
    "tokens.no_choice.fix": "传入一个模型，count(text, 'gpt-4.1-mini')，或者一个编码，"
                            "count(text, encoding='o200k_base')。",
    "tokens.unknown_encoding.what": "未知的编码 {encoding!r}。",
    "tokens.unknown_encoding.fix": "请使用这些编码之一：{encodings}。",

    # --- chatkit/conversation.py --------------------------------------------------------------
    "conversation.no_model.what": "Conversation 需要一个模型。",
    "conversation.no_model.fix": "传入 model='…'，或者使用 chatkit.connect() 创建的客户端，它知道自己的默认模型。",
    "conversation.over_budget.what": "光是指令和这条新消息就需要 {tokens} 个 token，超过了 {budget} 的预算。",
    "conversation.over_budget.fix": "提高预算，或者缩短指令或消息。",
    "conversation.not_saved.what": "{name} 不是 chatkit 保存的对话。",
    "conversation.not_saved.fix": "加载由 Conversation.save() 写出的文件。",
    "conversation.unknown_choice.what": "{name}={value!r} 不是 Conversation 认识的选项。",
    "conversation.unknown_choice.fix": "请使用这些选项之一：{allowed}。",

    # --- chatkit/__main__.py：python -m chatkit ----------------------------------------------
    "cli.unreadable_prompts.what": "无法从 {input} 读取提示词：{error}。",
    "cli.unreadable_prompts.fix": "请给出一个 JSONL 文件：每行一个 JSON 字符串或对象。",
    "cli.no_notebook.what": "{path} 处没有笔记本。",
    "cli.no_notebook.fix": "请给出一个 .ipynb 文件的路径。",
    "cli.would_replace.what": "{env_file} 里已经有另一个 OPENAI_API_KEY（{masked}）；保存会把它替换掉。",
    "cli.would_replace.fix": "保存到另一个文件（--save sandbox.env），或者先删掉那一行。",
    "cli.cannot_write.what": "无法写入 {env_file}（{reason}）；没有保存任何密钥。",
    "cli.cannot_write.fix": "请选择一个你有写入权限的文件夹里的文件，例如 --save ./.env",
    "cli.no_such_key.what": "{folder} 里没有 id 为 {shown} 的密钥。",
    "cli.no_such_key.fix": "运行 '{prog} keys list'，从它的 ID 列复制 id（key_…）。",

    # --- chatkit/batch/：Batch API 与批量运行器 ------------------------------------------------
    "batch.still_running.what": "批处理 {id} 在 {timeout:.0f} 秒后仍然是 {status} 状态。",
    "batch.still_running.fix": "稍后再调用 wait()：一个批处理最长可能需要 24 小时。",
    "batch.failed_line": "第 {line} 行：{message}",
    "batch.no_details": "没有详细信息",
    "batch.failed.what": "批处理 {id} 没有通过校验：{problems}。",
    "batch.failed.fix": "改正输入里的这些行，然后重新提交。",
    "batch.quota.what": "配额用完了（429，计费错误）：{total} 项中完成了 {done} 项，其余的没有发送。",
    "batch.quota.fix": "充值或提高配额，然后用同一个 out= 文件再运行一次：已完成的项会被跳过。",
    "batch.same_id.what": "有两项的 custom_id 相同。",
    "batch.same_id.fix": "给每一项一个独立的 custom_id。",
    "batch.not_async.what": "run_batch() 需要一个异步客户端。",
    "batch.not_async.fix": "使用 client = chatkit.connect_async()。",

    # --- chatkit/sandbox/engine.py、models.py、server.py：启动沙盒 --------------------------------
    "sandbox.no_model.what": "沙盒的模型没有安装（chatkit-smollm2 包）。",
    "sandbox.no_model.fix": "运行：pip install -r requirements.txt",
    "sandbox.bad_spec.what": "无法理解模型 {text!r}：请写成 PATH 或 ID=PATH。",
    "sandbox.bad_spec.fix": "id 只用字母、数字、'.'、'-'、'_' 或 ':'，后面接 '=' 和文件路径，例如 "
                            "qwen=models/qwen.gguf。",
    "sandbox.folder.what": "{path} 是一个文件夹，不是模型文件。",
    "sandbox.folder.fix": "请给出它里面 .gguf 文件的路径：{inside}。",
    "sandbox.no_file.what": "{path} 处没有模型文件（模型 '{model_id}'）。",
    "sandbox.no_file.fix": "检查 --model 或 CHATKIT_SANDBOX_MODELS 里的路径（相对路径从 {cwd} 算起）。"
                           "chatkit 从不下载模型：请先下载 .gguf 文件。",
    "sandbox.unreadable.what": "无法读取模型文件 {path}（{reason}）。",
    "sandbox.unreadable.fix": "检查你的用户是否有权读取它（文件权限），以及它所在的磁盘是否还在。",
    "sandbox.not_gguf.what": "{path} 不是 GGUF 模型文件：它不是以字节 'GGUF' 开头的。",
    "sandbox.not_gguf.fix": "请给出为 llama.cpp 制作的 .gguf 文件（在 Hugging Face 上，找名字里带 'GGUF' 的仓库）。"
                            ".safetensors、.bin 或 .pt 文件必须先转换。",
    "sandbox.cannot_load.what": "llama.cpp 无法加载 {path}：文件不完整或已损坏，或者它的模型架构比这个 llama.cpp"
                                "（xllamacpp）更新。",
    "sandbox.cannot_load.fix": "重新下载这个文件，并把它的大小和下载页面上列出的大小对比一下；"
                               "或者试试 'pip install -U xllamacpp'。",
    "sandbox.bad_template.what": "无法读取 {path} 里的聊天模板：{error}。",
    "sandbox.bad_template.fix": "换用这个模型的另一个 GGUF 文件（其他发布者的，或者更新的版本）。",
    "sandbox.same_id.what": "有两个模型会以同一个名字 '{model_id}' 提供服务。",
    "sandbox.same_id.fix": "给其中一个换个 id，例如 --model {model_id}-2=PATH（或者在 CHATKIT_SANDBOX_MODELS 里写 "
                           "{model_id}-2=PATH）。",
    "sandbox.not_started.what": "沙盒服务器没有启动。",
    "sandbox.not_started.fix": "运行 'python -m chatkit doctor'。",
    "sandbox.cannot_listen.what": "无法在 {host}:{port} 上监听（{reason}）。",
    "sandbox.cannot_listen.fix": "用 --port 换一个端口，或者停止正在使用这个端口的程序。",

    # --- chatkit/bot/：机器人对终端用户说的话，以及它的错误 ----------------------------------------
    "bot.no_model.what": "Bot 需要一个模型。",
    "bot.no_model.fix": "传入 model='…'，或者使用 chatkit.connect() 创建的客户端，它知道自己的默认模型。",
    "bot.over_rate.what": "你在 {window}内发送了 {count} 条消息。",
    "bot.over_rate.fix": "请在 {wait}后再试。",
    "bot.over_quota.what": "你已经用完了今天的 {quota} 条消息。",
    "bot.over_quota.fix": "请明天再来，还有 {wait}（每天从 UTC 午夜开始）。",
    # 拒绝消息里的时长："9 秒"、"1 分钟"、"3 小时 20 分钟"
    "bot.second.one": "{n} 秒",
    "bot.second.many": "{n} 秒",
    "bot.minute.one": "{n} 分钟",
    "bot.minute.many": "{n} 分钟",
    "bot.hour.one": "{n} 小时",
    "bot.hour.many": "{n} 小时",
    "bot.refusal": "{what}{fix}",
    "bot.not_started.what": "机器人的 Web 服务没有启动。",
    "bot.not_started.fix": "运行 'python -m chatkit doctor'。",
    # chatkit/bot/platforms/：检查聊天平台发来的请求
    "bot.platforms.not_json.what": "{platform} 的请求体不是一个 JSON 对象。",
    "bot.platforms.not_json.fix": "按 {platform} 文档里的格式发送请求体。",
    "bot.platforms.no_secret.what": "没有配置{name}，所以无法检查任何请求。",
    "bot.platforms.no_secret.fix": "从平台的控制台复制{name}，填到机器人的设置里。",
    "bot.platforms.missing": "缺失",
    "bot.platforms.mismatch": "不匹配",
    "bot.platforms.forged.what": "请求的{what}{said}。",
    "bot.platforms.no_time.what": "请求的{what}缺失，或者不是数字。",
    "bot.platforms.no_time.fix": "只有平台自己的请求才带有它；忽略这个请求。",
    "bot.platforms.stale.what": "请求的{what}与这台电脑的时钟相差 {minutes:.0f} 分钟（最多允许 {allowed:.0f} 分钟）。",
    "bot.platforms.stale.fix": "可能有人在重放一个旧请求；如果确实是平台发来的，请把这台电脑的时钟调准（与互联网时间同步）。",
    "bot.platforms.header": " {name} 请求头",
    "bot.platforms.dingtalk": "钉钉",
    "bot.platforms.feishu": "飞书",
    "bot.platforms.lanying": "蓝莺",
    "bot.platforms.webhook": "Webhook",
    "bot.platforms.dingtalk.secret": "钉钉机器人的 AppSecret",
    "bot.platforms.dingtalk.sign.fix": "从钉钉开发者后台复制机器人的 AppSecret（不是 AppKey），填到机器人的设置里。",
    "bot.platforms.dingtalk.elsewhere.what": "钉钉的 sessionWebhook 指向 {host!r}，而不是钉钉。",
    "bot.platforms.dingtalk.no_host": "没有主机名",
    "bot.platforms.dingtalk.elsewhere.fix": "只向 https://oapi.dingtalk.com 回复；如果要用本地平台测试，请把它的主机名"
                                            "加到机器人设置的 allowed_reply_hosts 里。",
    "bot.platforms.dingtalk.expired.what": "这个会话的钉钉 sessionWebhook 已经过期。",
    "bot.platforms.dingtalk.expired.fix": "更快地回复：每条消息的 sessionWebhook 只在一段时间内有效（钉钉的示例里约 90 分钟）。",
    "bot.platforms.feishu.signature.fix": "从飞书控制台（事件与回调 > 加密策略）复制 Encrypt Key，填到机器人的设置里。",
    "bot.platforms.feishu.secret": "飞书的 Verification Token",
    "bot.platforms.feishu.token": " Verification Token",
    "bot.platforms.feishu.token.fix": "从飞书控制台（事件与回调 > 加密策略）复制 Verification Token，填到机器人的设置里。",
    "bot.platforms.feishu.content.what": "飞书消息的 content 不是飞书文档里规定的 JSON 字符串。",
    "bot.platforms.feishu.content.fix": "把 content 作为字符串发送，例如 '{{\"text\": \"hi\"}}'。",
    "bot.platforms.feishu.encrypted.what": "这个飞书事件是加密的，而 chatkit 不解密事件。",
    "bot.platforms.feishu.encrypted.fix": "在飞书控制台（事件与回调 > 加密策略）里清空 Encrypt Key，保留 Verification Token。",
    "bot.platforms.lanying.secret": "蓝莺的回调签名",
    "bot.platforms.lanying.signature": "蓝莺 signature 请求头",
    "bot.platforms.lanying.signature.fix": "在蓝莺控制台和机器人的设置里填写同一个回调签名。",
    "bot.platforms.webhook.secret": " Webhook 密钥",
    "bot.platforms.webhook.signature.fix": "用机器人的密钥签名：chatkit.bot.platforms.webhook.sign(secret, body)。",
    "bot.platforms.webhook.missing.what": "Webhook 请求体里没有 {missing}（每一项都必须是非空字符串）。",
    "bot.platforms.webhook.missing.fix": "发送 {{\"message_id\": \"m1\", \"user_id\": \"u1\", \"text\": \"Hello\"}}。",

    # --- chatkit/im/：本地聊天平台 -----------------------------------------------------------------
    "im.real_app.what": "{env_file} 里已经有一个真实蓝莺应用的设置（LANYING_API_ENDPOINT={endpoint}）；"
                        "写入本地平台的设置会把它们替换掉。",
    "im.real_app.fix": "换一个文件，例如 --env-file local-im.env，并让机器人使用它。",
    "im.not_started.what": "本地聊天平台没有启动。",
    "im.not_started.fix": "运行 'python -m chatkit doctor'。",
    "im.bad_webhook.what": "{url!r} 不是机器人 Webhook 的 http(s) 地址。",
    "im.bad_webhook.fix": "请给出机器人监听的地址，例如 http://127.0.0.1:8787{route}",

    # --- chatkit/widgets/：小部件的错误和状态行 -------------------------------------------------
    "widgets.keys.no_name.what": "密钥需要一个名字。",
    "widgets.keys.no_name.fix": "输入一个能说明在哪里使用它的名字，例如 'laptop'。",
    "widgets.keys.created": "已创建 {id}（{masked}）。完整的密钥在 panel.new_key 里，之后不会再显示："
                            "现在就用 chatkit.save_key(panel.new_key) 保存它。",
    "widgets.keys.no_such_key.what": "没有 id 为 {id} 的密钥。",
    "widgets.keys.no_such_key.fix": "从上面的列表里选一个。",
    "widgets.keys.revoked": "已吊销 {id}（{masked}）。用它发出的请求现在会以 401 失败。",
    "widgets.keys.no_folder.what": "没有可以保存 {name} 的文件夹 {folder}。",
    "widgets.keys.no_folder.fix": "先创建这个文件夹，或者给 KeyEntry 一个位于已存在文件夹里的 .env 路径，"
                                  "例如 KeyEntry('.env') 表示笔记本所在的文件夹。",
    "widgets.keys.saved": "已把 {masked} 作为 {variable} 保存到 {name}（这个文件只有你能读取，并且已列在 .gitignore 里）。"
                          "请重启内核，让 chatkit 读到新密钥。",
    "widgets.playground.running": "正在以 {settings} 运行…",
    "widgets.playground.cached": "缓存",
    "widgets.playground.no_request": "没有发送请求 · ",
    "widgets.playground.bad_seed.what": "seed 必须是整数，而不是 {value!r}。",
    "widgets.playground.bad_seed.fix": "输入一个数字，例如 42，或者留空以使用随机的 seed。",
    "widgets.compare.grid.what": "Compare 只能变化一个或两个参数，而不是 {count} 个。",
    "widgets.compare.grid.fix": "一次最多变化两个，例如 grid={{'temperature': [0, 1], 'seed': [1, 2]}}。",
    "widgets.compare.running": "正在发送 {count} 个请求…",
    "widgets.compare.done": "{count} 个回答，其中 {different} 个不同。",
    "widgets.chat.both.what": "ChatWindow 同时收到了客户端和机器人。",
    "widgets.chat.both.fix": "只传入机器人：ChatWindow(bot=bot) 会使用机器人的客户端和模型。",
    "widgets.chat.empty.what": "没有可发送的内容。",
    "widgets.chat.empty.fix": "先输入一条消息。",
    "widgets.chat.busy.what": "上一条回复还在生成中。",
    "widgets.chat.busy.fix": "等它写完，或者按 Stop。",
    "widgets.chat.cleared": "已清空：下一条消息会开始一段新对话。",
    "widgets.chat.stopped": "已停止：服务器停止了输出；已显示的部分会保留，并标记为 […]。",
    "widgets.chat.unanswered": "没有得到回答：见下方",
    "widgets.calls.no_model.what": "这个客户端没有默认模型，也没有指定模型。",
    "widgets.calls.no_model.fix": "给小部件传入 model='...'，或者用 chatkit.connect() 创建客户端。",
    "widgets.calls.cached": "缓存（没有发送请求）",
    "widgets.calls.tokens": "输入 {input} 个 token，输出 {output} 个",
    "widgets.calls.cut_off": "（被 max_tokens 截断）",
    "widgets.calls.first_token": "（第一个 token 在 {seconds:.2f} 秒后到达）",
    "widgets.calls.seconds": "{seconds:.2f} 秒",
    "widgets.calls.first_run": "第一次运行用了 {timing}",
    "widgets.calls.free": "费用：$0",
    "widgets.calls.cost": "费用：约 ${cost:.6f}",
    "widgets.turn.no_call": "没有调用模型：0 个 token，费用：$0",
    "widgets.turn.no_price": "费用：未知（没有 {model} 的价格）",
    "widgets.turn.tokens_unknown": "token 数未知",
    "widgets.turn.tokens_counted": "输入约 {input} 个 token，输出 {output} 个（由 chatkit 计数）",
    "widgets.turn.seconds": "{seconds:.1f} 秒",
    "widgets.turn.stopped": "已停止",

    # widgets: reasoning effort
    "widgets.effort.needs_none.what": "{settings} 已停用，因为 {model} 只在推理强度为 none 时接受采样参数。",
    "widgets.effort.needs_none.fix": "把 reasoning_effort 设为 none，或者不发送 {settings}。",
    "widgets.effort.never.what": "{settings} 已停用，因为 {model} 在任何推理强度下都要推理，从不接受采样参数。",
    "widgets.effort.never.fix": "不发送 {settings}，或者换一个非推理模型。",
    "widgets.effort.and": "{first} 和 {last}",
    "widgets.effort.comma": "{first}、{next}",
    "widgets.effort.unknown.what": "{model} 没有 {effort!r} 这一档推理强度。",
    "widgets.effort.unknown.fix": "从 {efforts} 中选一个，或者不指定 effort，使用模型的默认值（{default}）。",
    "widgets.effort.plain.what": "{model} 不是推理模型，不接受推理强度（{effort!r}）。",
    "widgets.effort.plain.fix": "不指定 effort，或者换一个推理模型，例如 client.reasoning_model。",
    "widgets.effort.reasoning_tokens": "（其中 {count} 个是推理 token）",
    "widgets.compare.cell": "{tokens} 个 token，{finish_reason}",
    "widgets.compare.cell_reasoning": "{tokens} 个 token（其中 {reasoning} 个是推理 token），{finish_reason}",
    "widgets.logprobs.asking": "正在询问模型…",
    "widgets.logprobs.none_sent": "服务器没有返回对数概率（logprobs）。解决办法：换一个支持 logprobs 的模型，"
                                  "例如 gpt-4.1-mini 或沙盒。",
    "widgets.logprobs.answer": "回答：{answer}",
}
