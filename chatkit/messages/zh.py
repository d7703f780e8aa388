"""chatkit 对学习者说的话，中文版：与 chatkit/messages/en.py 键相同、占位符相同。

写给中文读者，不逐字翻译。术语表只写一处：tests/test_zh_terms.py 的 GLOSSARY（读者在 zh/00 的术语表里
看到同一张表），那里的测试也检查本文件的用词和引号。代码、参数名、错误码、命令和网址保持原样。
"""

MESSAGES = {
    # --- chatkit/failures.py：Explanation 的显示方式 ---------------------------------------
    "explanation.text": "✗ {what}\n  可能的原因：{cause}\n  怎么办：{fix}\n  重试有用吗？{retry}",
    "explanation.line": "{what}解决办法：{fix}",
    "error.fix": "解决办法：{fix}",
    "error.docs": "（参见 {docs}）",
    "explanation.line_docs": "{what}解决办法：{fix}（参见 {docs}）",
    "explanation.retry_yes": "有用：稍等片刻再发送一次（SDK 会自动帮你重试，见 max_retries）。",
    "explanation.retry_no": "没用：同样的请求还会以同样的方式失败。",
    # 解释里引用的状态码和错误码：“（401 invalid_api_key）”
    "explanation.said": "（{status}）",
    "explanation.said_code": "（{status} {code}）",
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
    "explain.no_key_sent.what": "服务器没有收到 API 密钥{said}。",
    "explain.no_key_sent.cause": "创建客户端时没有提供密钥，或者存放密钥的变量是空的。",
    "explain.no_key_sent.fix": "把密钥保存到 .env（笔记本 02），重启内核，然后使用 chatkit.connect()。",
    "explain.wrong_key.what": "服务器拒绝了密钥 {key}{said}：{message}。",
    "explain.wrong_key.cause": "密钥输错了、已被吊销，或者是为另一个服务器或服务商创建的。",
    "explain.wrong_key.fix": "到服务商的 API 密钥页面重新复制密钥（或新建一个），保存到 .env，重启内核，"
                             "再用 chatkit.verify(client) 检查。",
    "explain.wrong_key.fix_class": "班级密钥（sk-class-…）由老师发放，老师也可能已经把它吊销或换掉了。请向老师要你当前有效的密钥，"
                                   "重新运行 python -m chatkit classroom join URL（或者把密钥写进 .env），然后重启内核。",
    "explain.wrong_key.fix_sandbox": "重新复制一次密钥（错一个字符就不行），或者用 python -m chatkit keys create "
                                     "--save 生成一个新的。沙盒密钥只在创建它的那个数据文件夹的沙盒上有效"
                                     "（如果你的沙盒用的是别的文件夹，加上 --data-dir DIR）。",
    "explain.region.what": "该服务商不为你所在的国家或地区提供服务{said}。",
    "explain.region.cause": "OpenAI 拒绝来自部分地区的请求（包括中国大陆、香港和澳门）。",
    "explain.region.fix": "换一个为你所在地区提供服务的服务商（笔记本 01），或者使用离线沙盒。",
    "explain.permission.what": "密钥 {key} 无权执行这个操作{said}：{message}。",
    "explain.permission.cause": "这是一个没有该权限的受限密钥，或者项目无权使用这个模型。",
    "explain.permission.fix": "给密钥加上这项权限（API 密钥页面的 Permissions），或者换一个模型。",
    "explain.model.what": "服务器上没有名为 {model!r} 的模型{said}。",
    "explain.model.cause": "模型名称拼错了，或者这个服务器（或你的项目）不提供这个模型。",
    "explain.model.fix": "从列表中选一个模型（client.models.list() 会列出全部），或者在 .env 中设置 CHATKIT_MODEL。",
    "explain.url.what": "服务器上没有 {path} 这个端点{said}。",
    "explain.url.cause": "base URL 缺了 /v1（或者写了两次），或者服务商没有这个 API：很多兼容 OpenAI 的服务商"
                         "提供 Chat Completions，但不提供 Responses API。",
    "explain.url.fix": "检查 OPENAI_BASE_URL；如果服务商没有这个端点，改用 client.chat.completions.create。",
    "explain.quota.what": "这个账户已经不能再继续扣费了{said}。",
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
    "explain.over_limit.what": "这个请求超出了速率限制允许的大小{said}：{message}。",
    "explain.over_limit.cause": "单个请求每分钟需要的 token 数就超过了限制。",
    "explain.over_limit.fix": "调低输出上限（max_output_tokens，Chat Completions 里是 max_completion_tokens）或缩短输入；等待也没有用。",
    "explain.rate_limit.what": "触发了速率限制{said}：{message}。",
    "explain.rate_limit.cause": "每分钟的请求数或 token 数超过了你的用量等级（usage tier）所允许的。",
    "explain.rate_limit.fix": "稍等片刻再发送；要发很多提示词时，请控制发送节奏（笔记本 06）。",
    "explain.rate_limit.fix_wait": "等 {wait:g} 秒（见 retry-after 响应头）再发送；要发很多提示词时，"
                                   "请控制发送节奏（笔记本 06）。",
    "explain.context_length.what": "请求超出了模型的上下文窗口{said}。",
    "explain.context_length.cause": "对话或文档越来越长，超过了模型一次能读的长度。",
    "explain.context_length.fix": "裁剪历史（Conversation(client, budget=1500)）、缩短输入，或者调低输出上限"
                                  "（笔记本 05）。",
    "explain.not_multimodal.what": "这个模型读不了这类输入{said}：{message}。",
    "explain.not_multimodal.cause": "把图片、音频或文件发给了只能读文本的模型（比如沙盒里的模型）。",
    "explain.not_multimodal.fix": "只发送文本，或者换一个能读图片和音频的模型（笔记本 01 对它们做了比较）。",
    "explain.too_large.what": "请求体太大{said}：{message}。",
    "explain.too_large.cause": "输入太大，比如把整个文件粘贴进了一条消息。",
    "explain.too_large.fix": "每次请求少发一些文本，或者把任务拆开（笔记本 06）。",
    "explain.reasoning_sampling.what": "模型拒绝了参数 '{param}'{said}：{message}。",
    "explain.reasoning_sampling.cause": "{model} 是推理模型。推理强度不是 'none' 时，它自己决定怎么选词，所以不接受 "
                                        "temperature、top_p 和 logprobs。",
    "explain.reasoning_sampling.fix": "想用 '{param}'，就先关掉推理（Responses API 里传 reasoning={{'effort': 'none'}}，"
                                      "Chat Completions 里传 reasoning_effort='none'），前提是模型支持 'none'，比如 "
                                      "gpt-6-luna；或者干脆去掉 '{param}'（见笔记本 04）。",
    "explain.reasoning_effort.what": "模型不接受这个推理强度{said}：{message}。",
    "explain.reasoning_effort.cause": "每个模型支持的推理强度各不相同；不做推理的模型，哪一档都不支持。",
    "explain.reasoning_effort.fix": "改用报错信息里列出的某个推理强度，或者不传，让模型用默认值"
                                    "（chatkit.reasoning.efforts(model) 会列出它们，见笔记本 04）。",
    "explain.reasoning_max_tokens.what": "模型拒绝了参数 'max_tokens'{said}：{message}。",
    "explain.reasoning_max_tokens.cause": "推理模型只接受输出上限的新参数名，而且这个上限把隐藏的推理 token 也算在内。",
    "explain.reasoning_max_tokens.fix": "把 max_tokens 换成 max_completion_tokens，并且留足空间，既够推理，"
                                        "又够回答（见笔记本 03）。",
    "explain.bad_request.what": "服务器拒绝了这个请求{said}：{message}。",
    "explain.bad_request.what_param": "服务器拒绝了这个请求{said}：{message}。请修改参数 '{param}'。",
    "explain.bad_request.cause": "某个参数超出了范围、类型不对，或者这个模型或 API 不支持它。",
    "explain.bad_request.fix": "按消息里指出的参数修改，改成允许范围内的值，或者这个模型支持的值，然后重新运行。",
    "explain.bad_request.fix_type": "按消息要求的类型传这个值：数字和 true、false 都不加引号（写 \"seed\": 7，"
                                    "不要写 \"seed\": \"7\"），然后重新运行。",
    "explain.server_timeout.what": "服务器等待请求时超时了{said}。",
    "explain.server_timeout.cause": "上传太慢或被中断。",
    "explain.server_timeout.fix": "再发送一次。",
    "explain.server.what": "服务器出了问题{said}：{message}。",
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
    "explain.no_provider": "服务商",
    # 内容安全拦截和 finish_reason（chatkit/failures.py：REFUSALS、FILTERED）
    "explain.content_filter.what": "{provider} 的内容审核拦截了这个请求{said}：{message}。",
    "explain.content_filter.what_input": "{provider} 的内容审核拦截了你的提示词{said}：{message}。",
    "explain.content_filter.what_output": "{provider} 的内容审核中止了模型的回答{said}：{message}。",
    "explain.content_filter.cause": "服务商会按自己的内容规则检查每一条提示词和回答，这次请求里有内容命中了规则"
                                    "（历史消息、系统提示词和上传的文件也算在内）。正常的文字偶尔也会被误判。",
    "explain.content_filter.fix": "改写或删掉被拦截的部分再发送，原样重发还会被拦截。如果是多轮对话，要把被拦截的"
                                  "这一轮从历史里删掉，否则之后每次请求都会带上它。正常内容反复被拦截的话，"
                                  "带上请求 ID 向服务商反馈。",
    "explain.filtered.what": "{provider} 的内容审核截断了这次回答（finish_reason {reason!r}）。",
    "explain.filtered.cause": "服务商在模型生成回答的过程中做检查，中途停止了生成，收到的回答可能不完整，甚至是空的。",
    "explain.filtered.fix": "不要展示或复用这段不完整的回答。下一轮之前先把它从历史里删掉，再换个说法提问。",
    "explain.length.what": "回答到达输出上限被截断了（finish_reason {reason!r}）。",
    "explain.length.cause": "模型用完了 max_tokens（max_completion_tokens、max_output_tokens）允许的全部 token，"
                            "推理模型的思考过程也算在内。",
    "explain.length.fix": "调高输出上限，或者要求模型回答得短一些。",
    "explain.finished.what": "回答是完整的（finish_reason {reason!r}），没有出错。",
    "explain.finished.cause": "模型自己停了下来（或者停下来调用工具）。",
    "explain.finished.fix": "不需要修改。",

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
    "02-find-keys.wrong": "对于“{case}”，find_keys() 返回了 {got!r}，应该是 {expected!r}。",
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
    "07-should-retry.raised": "遇到“{case}”（{exc_type}）时，should_retry() 抛出了 {error}：{crash}。"
                              "不是每种错误都有 status_code，先用 isinstance() 看看它是哪个类。",
    "07-should-retry.retry": "遇到“{case}”（{exc_type}）时，should_retry() 返回了 {got!r}；应该是 True，"
                             "因为等一等可能就好了。",
    "07-should-retry.no_retry": "遇到“{case}”（{exc_type}）时，should_retry() 返回了 {got!r}；应该是 False，"
                                "因为同样的请求重发多少次都会同样失败。",
    "07-should-retry.billing": "遇到“{case}”（{exc_type}）时，should_retry() 返回了 {got!r}；应该是 False。"
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

    "10-class-limit.hint": "一个班的限制是存储里的一个 Budget，对每个学生都生效（本篇前面已经给班级设过一次）。"
                           "它的哪一项管的是每分钟的调用次数？应该放行几次？",
    "10-class-limit.hint_more": "给整个班级（不指定学生）设一个 Budget，把每分钟的请求数限制为两次，"
                                "写法是 store.set_budget(Budget(rpm=…))。",
    "10-class-limit.no_limit": "运行 limit_the_class(store) 之后，班里的学生仍然没有任何限制。请用存储的 set_budget "
                               "给班级设限制，不要指定学生，因为指定了学生的限制只对这一个学生生效。",
    "10-class-limit.returned": "limit_the_class() 返回了一个 Budget，可班级的存储里仍然没有限制。"
                               "不要把它返回，而要交给存储（store.set_budget）。",
    "10-class-limit.quota": "按 limit_the_class() 设的限制，学生的第 {nth} 次调用收到了 429 insufficient_quota，"
                            "说明触发的是每天或整门课的 token 配额，这种配额过一分钟也不会恢复。要拒绝一分钟内的第三次调用，"
                            "得用按分钟计的限制。",
    "10-class-limit.too_tight": "按 limit_the_class() 设的限制，学生的第 {nth} 次调用就被拒绝了"
                                "（429 rate_limit_exceeded），说明每分钟放行的调用不到两次。",
    "10-class-limit.refused": "按 limit_the_class() 设的限制，学生的第 {nth} 次调用收到了 {status} {code}：{message}",
    "10-class-limit.answered": "按 limit_the_class() 设的限制，学生一分钟内的第三次调用仍然得到了回答"
                               "（每分钟的限制是 {limits}）。把限制调低，让每分钟只放行两次调用。",
    "10-class-limit.works": "limit_the_class() 没问题：学生的前两次调用得到了回答，第三次收到 429 "
                            "rate_limit_exceeded（{message}）。网关记下的状态码依次是 {recorded}。",

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
    "config.bad_parallel.what": "CHATKIT_SANDBOX_PARALLEL 是 {value!r}，沙盒需要 1 到 {top} 之间的整数，"
                                "表示模型可以同时处理几个请求。",
    "config.bad_parallel.fix": "把它设为 4 这样的整数，或者删除它以使用默认值 {default}。",

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
    "budget.no_limit.fix": "给出 yuan=2（DeepSeek、Qwen、GLM、Kimi 等）、dollars=0.50（OpenAI）或 tokens=10_000，"
                           "金额上限和 token 上限可以同时给。",
    "budget.two_currencies.what": "一个预算只按一种货币计算金额，这里却同时给了 dollars= 和 yuan=。",
    "budget.two_currencies.fix": "只保留服务商结算用的那一种：DeepSeek、Qwen、GLM、Kimi 等国内服务商用 yuan=，"
                                 "OpenAI 用 dollars=。",
    "budget.negative.what": "预算不能是负数。",
    "budget.negative.fix": "给一个大于或等于 0 的上限。",
    "budget.over_tokens": "花费上限在发送前拒绝了这次调用：它最多可能用掉 {most_tokens:,} 个 token，"
                          "而预算的 {limit:,} 个 token 中已有 {committed:,} 个被用掉或预留。",
    "budget.over_money": "花费上限在发送前拒绝了这次调用：它最多可能花费 {cost}，"
                         "而预算的 {limit} 中已有 {committed} 被花掉或预留。",
    "budget.unbounded": "（这次调用没有设置输出上限，所以按沙盒的上限计入了 {output:,} 个输出 token，"
                        "换成别的服务器可能会输出更多。）",
    "budget.over.fix": "调低输出上限或缩短输入，或者提高上限（budget.tokens = …，budget.limit = …），"
                       "或者用 budget.reset() 从头开始计算。",
    "budget.no_price.what": "花费上限无法给模型 {model!r} 定价，所以拒绝了这次调用。",
    "budget.no_price.fix": "传入 Budget(price_as='gpt-4.1-mini')（chatkit 价格表里有的模型），"
                           "或者改用 token 预算：Budget(tokens=10_000)。",
    "budget.other_currency.what": "花费上限在发送前拒绝了这次调用：{model!r} 按{theirs}计价，而这个预算按{ours}计算。"
                                  "chatkit 不会把两种货币加进同一笔总数，也不会替你换算。",
    "budget.other_currency.fix": "按模型的计价货币建预算：按人民币计价的模型用 Budget(yuan=…)，按美元计价的用 "
                                 "Budget(dollars=…)；也可以改按 token 数设上限，这对所有模型都适用：Budget(tokens=10_000)。",

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
    "providers.separator": "、",
    "providers.nowhere": "提供它的服务商",
    # 各个接口（键名同 chatkit.providers.ENDPOINT_NAMES），以及可以改做什么（INSTEAD）
    "providers.endpoint.responses": "Responses API",
    "providers.endpoint.chat": "Chat Completions API",
    "providers.endpoint.batch": "Batch API",
    "providers.endpoint.embeddings": "Embeddings API",
    "providers.endpoint.stream_usage": "流式输出中的 token 用量（stream_options.include_usage）",
    "providers.endpoint.stored_responses": "响应存储（previous_response_id）",
    "providers.instead.responses": "改用 client.chat.completions.create",
    "providers.instead.chat": "改用 client.responses.create",
    "providers.instead.batch": "逐个发送请求",
    "providers.instead.embeddings": "跳过这个单元格",
    "providers.instead.stream_usage": "从不带 stream=True 的调用里读取用量",
    "providers.instead.stored_responses": "每次都发送整段历史，就像 chatkit.Conversation(client) 那样",
    # --- chatkit/behaviour.py：发送前按平台的取值范围和思考模式检查请求 ----------------------------
    "behaviour.on_models": "适用于 {models} 系列模型，",
    "behaviour.range.between": " {low} 到 {high} 之间",
    "behaviour.range.one": "等于 {value} ",
    "behaviour.out_of_range.what": "{provider} 只接受{range}的 {param}（{on}核对于 {checked}），这个请求发送的是 "
                                   "{value}。",
    "behaviour.out_of_range.cause": "超出文档所列范围的值，{provider} 会以 400 错误拒绝。chatkit 在发送前就拦下了"
                                    "这个请求，所以什么也没有发出，也不会计费。",
    "behaviour.out_of_range.fix": "把 {param} 设为{range}的值，或者不传它，使用服务商的默认值。",
    "behaviour.rule.what": "{other} 为 {equal} 时，{provider} 只接受{range}的 {param}（{on}核对于 {checked}），"
                           "这个请求发送的是 {param}={value}。",
    "behaviour.rule.fix": "把 {param} 设为{range}的值，或者把 {other} 改成 {equal} 以外的值。",
    "behaviour.no_effect": "{provider} 的模型处理这个请求时会先思考。思考时它接受 {params}，但会忽略这些参数"
                           "（核对于 {checked}），设置了也不起作用。想让它们生效，请关闭思考：{how}。",
    "behaviour.off_for": "{how}（{endpoint}）",
    "behaviour.or": "，或者 ",

    # --- chatkit/tokens.py：用哪个分词器 ---------------------------------------------------------
    "tokens.unknown_model.what": "chatkit 不知道模型 {model!r} 用的是哪个分词器。",
    "tokens.unknown_model.fix": "自己指定编码，例如 count(text, encoding='o200k_base')；对于不是 OpenAI 的模型"
                                "（Llama、Qwen…），这样数出来的 token 数只是估计值。",
    "tokens.estimated": "chatkit 没有 {model!r} 的分词器，所以用 o200k_base 来数，得到的是估计值"
                        "（准确的数字以回复里的 usage 为准）。想换一种编码，请传入 encoding=...。",
    "tokens.no_choice.what": "请说明要用哪个分词器。",
    "tokens.no_choice.fix": "传入一个模型，count(text, 'gpt-4.1-mini')，或者一个编码，"
                            "count(text, encoding='o200k_base')。",
    "tokens.unknown_encoding.what": "未知的编码 {encoding!r}。",
    "tokens.unknown_encoding.fix": "请使用这些编码之一：{encodings}。",
    "tokens.cost": "{model} 约 {money}（输入 {input:,} 个 token，输出 {output:,} 个 token，按 {date} 的价格计算）",
    "tokens.unknown_price": "价格未知：chatkit 的价格表（{date}）里没有 {model!r}，请到 {source} 查看价格",
    "tokens.currency.USD": "美元",
    "tokens.currency.CNY": "人民币",

    # --- chatkit/conversation.py --------------------------------------------------------------
    "conversation.no_model.what": "Conversation 需要一个模型。",
    "conversation.no_model.fix": "传入 model='…'，或者使用 chatkit.connect() 创建的客户端，它知道自己的默认模型。",
    "conversation.over_budget.what": "光是指令和这条新消息就需要 {tokens} 个 token，超过了 {budget} 的预算。",
    "conversation.over_budget.fix": "提高预算，或者缩短指令或消息。",
    "conversation.not_saved.what": "{name} 不是 chatkit 保存的对话。",
    "conversation.not_saved.fix": "加载由 Conversation.save() 写出的文件。",
    "conversation.unknown_choice.what": "{name}={value!r} 不是 Conversation 认识的选项。",
    "conversation.unknown_choice.fix": "请使用这些选项之一：{allowed}。",
    # 裁剪做了什么，以及以气泡显示的对话（chatkit/bubbles.py）
    "conversation.trim": "为了不超出 {budget} 个 token，{what}，token 数从 {before} 降到 {after}。",
    "conversation.trim.summarized": "把 {count} 条较早的消息总结成了一条",
    "conversation.trim.dropped": "删掉了最早的 {count} 条消息",
    "conversation.html.instructions": "指令：",
    "conversation.html.summarized": "为了不超出 {budget} 个 token，{count} 条较早的消息已总结成摘要。",
    "conversation.html.left_out": "为了不超出 {budget} 个 token，省去了 {count} 条较早的消息。",
    "conversation.html.summary": "之前几轮对话的摘要：",
    "conversation.html.footer": "{count} 条消息，下次发送 {tokens} 个 token（{model}）",

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
                           "chatkit 只下载模型清单里的模型（python -m chatkit models list），其他模型请先自己下载 "
                           ".gguf 文件。",
    "sandbox.not_pulled.what": "{name} 是模型清单里的模型，但还没有下载。",
    "sandbox.not_pulled.fix": "先运行 python -m chatkit models pull {name} 下载一次，再启动沙盒。",
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
    "bot.over_quota.fix": "请明天再来。消息数按 {zone} 时间每天零点重新计算，离下一个零点还有 {wait}。",
    "bot.time_zone.what": "chatkit 找不到名为 {name!r} 的时区。",
    "bot.time_zone.fix": "请改用 IANA 时区名，例如 Asia/Shanghai 或 Europe/Berlin，写在 {variable} 里，或者传给 Bot(time_zone=...)。",
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
    "bot.platforms.not_text.what": "{platform} 请求里的 {field} 不是文本。",
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
    "bot.platforms.feishu.encrypted.what": "这个飞书事件是加密的，但机器人没有配置用来解密的 Encrypt Key。",
    "bot.platforms.feishu.encrypted.fix": "从飞书控制台（事件与回调 > 加密策略）复制 Encrypt Key，填到 FEISHU_ENCRYPT_KEY，"
                                          "然后重启机器人。",
    "bot.platforms.feishu.decrypt.what": "无法解密这个飞书事件（{why}）。",
    "bot.platforms.feishu.decrypt.fix": "请检查 FEISHU_ENCRYPT_KEY，它必须与飞书控制台（事件与回调 > 加密策略）里的 "
                                        "Encrypt Key 一致。",
    "bot.platforms.feishu.refused.what": "用这组 App ID 和 App Secret 没能从飞书获取 tenant_access_token（错误码 {code}，"
                                         "{said}），所以机器人无法回复。",
    "bot.platforms.feishu.refused.fix": "从飞书开发者后台的“凭证与基础信息”页复制 App ID 和 App Secret，分别填到 FEISHU_APP_ID "
                                        "和 FEISHU_APP_SECRET，然后重启机器人。",
    "bot.platforms.wecom": "企业微信",
    "bot.platforms.wecom.secret": "企业微信接收消息的 Token（WECOM_TOKEN）",
    "bot.platforms.wecom.parameter": " {name} 参数",
    "bot.platforms.wecom.signature.fix": "在企业微信管理后台打开这个应用，点“接收消息”下的“设置 API 接收”，把其中的 Token 复制到 WECOM_TOKEN。",
    "bot.platforms.wecom.decrypt.what": "无法解密这条企业微信消息（{why}）。",
    "bot.platforms.wecom.decrypt.fix": "请检查 WECOM_ENCODING_AES_KEY，它必须与应用“接收消息”设置里的 EncodingAESKey 一致。",
    "bot.platforms.wecom.elsewhere.what": "这条企业微信消息是发给另一家企业的，解密出的企业 ID 不是 WECOM_CORP_ID。",
    "bot.platforms.wecom.elsewhere.fix": "把 WECOM_CORP_ID 设为你的企业 ID（企业微信管理后台“我的企业 > 企业信息”页）。",
    "bot.platforms.wecom.xml.what": "请求体不是企业微信格式的 XML（{why}）。",
    "bot.platforms.wecom.xml.fix": "按企业微信的格式发送 XML，即 <xml><ToUserName>…</ToUserName><Encrypt>…</Encrypt>"
                                   "<AgentID>…</AgentID></xml>，不带 DTD。",
    "bot.platforms.wecom.no_encrypt": "没有 Encrypt 字段",
    "bot.platforms.wecom.aes_key.what": "WECOM_ENCODING_AES_KEY 有 {length} 个字符，而 EncodingAESKey 应当由 43 个字母和数字组成。",
    "bot.platforms.wecom.aes_key.fix": "在企业微信管理后台打开这个应用，点“接收消息”下的“设置 API 接收”，复制其中的 EncodingAESKey（也可以在那里随机生成一个）。",
    "bot.platforms.wecom.agent_id.what": "WECOM_AGENT_ID 不是数字。",
    "bot.platforms.wecom.agent_id.fix": "在企业微信管理后台的应用页面复制它的 AgentId（形如 1000002 的数字）。",
    "bot.platforms.wecom.refused.what": "用这组企业 ID 和应用 Secret 没能从企业微信获取 access_token（错误码 {code}，{said}），"
                                        "所以机器人无法回复。",
    "bot.platforms.wecom.refused.fix": "从企业微信管理后台复制企业 ID 和应用的 Secret，分别填到 WECOM_CORP_ID 和 WECOM_SECRET，"
                                       "然后重启机器人。",
    "bot.platforms.lanying.secret": "蓝莺的回调签名",
    "bot.platforms.lanying.signature": "蓝莺 signature 请求头",
    "bot.platforms.lanying.signature.fix": "在蓝莺控制台和机器人的设置里填写同一个回调签名。",
    "bot.platforms.webhook.secret": " Webhook 密钥",
    "bot.platforms.webhook.signature.fix": "用机器人的密钥签名：chatkit.bot.platforms.webhook.sign(secret, body)。",
    "bot.platforms.webhook.missing.what": "Webhook 请求体里没有 {missing}（每一项都必须是非空字符串）。",
    "bot.platforms.webhook.missing.fix": "发送 {{\"message_id\": \"m1\", \"user_id\": \"u1\", \"text\": \"Hello\"}}。",

    # --- chatkit/im/：本地聊天平台 -----------------------------------------------------------------
    "im.real_app.what": "{env_file} 里已经有一个真实{platform}应用的设置（{variable}={endpoint}），"
                        "写入本地平台的设置会把它们替换掉。",
    "im.real_app.fix": "换一个文件，例如 --env-file local-im.env，并让机器人使用它。",
    "im.not_started.what": "本地聊天平台没有启动。",
    "im.not_started.fix": "运行 'python -m chatkit doctor'。",
    "im.no_such_platform.what": "本地聊天平台不能模仿 {platform!r}。",
    "im.no_such_platform.fix": "可以模仿的平台有 {choices}。",
    "im.platform.lanying": "蓝莺 IM",
    "im.platform.feishu": "飞书",
    "im.platform.dingtalk": "钉钉",
    "im.platform.wecom": "企业微信",
    "im.feishu.challenge": "飞书校验机器人地址（url_verification）没有通过，{why}。机器人收到 challenge 后要原样返回 "
                           "{{\"challenge\": \"<收到的值>\"}}，chatkit 的机器人在 /feishu/events 就是这样做的。",
    "im.feishu.not_echoed": "机器人返回了 HTTP {status}，但没有原样返回 challenge",
    "im.feishu.wrong_secret": "app_id 或 app_secret 不对。请从本地平台的设置里复制 FEISHU_APP_ID 和 FEISHU_APP_SECRET"
                              "（运行 python -m chatkit im serve --imitate feishu 会打印出来）。",
    "im.feishu.no_token": "缺少 tenant_access_token。请先从 {path} 获取，再在请求头里带上 Authorization: Bearer <tenant_access_token>。",
    "im.feishu.bad_token": "tenant_access_token 无效，它已经过期（每个有效 2 小时），或者不是这里签发的。"
                           "请从 {path} 重新获取，再发送一次。",
    "im.feishu.reply_body": "请求体应该是 {{\"msg_type\": \"text\", \"content\": \"...\"}}，content 里是一个 JSON 字符串，"
                            "内容形如 {{\"text\": \"...\"}}。",
    "im.feishu.no_message": "找不到要回复的顾客消息 {id}，请使用事件里的 message_id。",
    "im.dingtalk.no_session": "这个 sessionWebhook 不存在或已过期（每个有效 90 分钟），请用最新一次回调里的 sessionWebhook 回复。",
    "im.dingtalk.body": "请求体应该是 {{\"msgtype\": \"text\", \"text\": {{\"content\": \"...\"}}}}。",
    "im.wecom.url_check": "企业微信校验机器人地址没有通过，{why}。机器人收到这个 GET 请求后，要解密 echostr，再把明文"
                          "以纯文本返回，chatkit 的机器人在 /wecom/callback 就是这样做的。",
    "im.wecom.not_echoed": "机器人返回了 HTTP {status}，但没有返回解密后的 echostr",
    "im.wecom.wrong_secret": "corpid 或 corpsecret 不对。请从本地平台的设置里复制 WECOM_CORP_ID 和 WECOM_SECRET"
                             "（运行 python -m chatkit im serve --imitate wecom 会打印出来）。",
    "im.wecom.no_token": "缺少 access_token。请在 URL 后面加上 ?access_token=…，access_token 从 {path} 获取。",
    "im.wecom.bad_token": "access_token 不合法，它不是这里签发的。请从 {path} 获取。",
    "im.wecom.expired": "access_token 已过期（每个有效 2 小时）。请从 {path} 重新获取，再发送一次。",
    "im.wecom.send_body": "请求体应该是 {{\"touser\": \"<成员>\", \"msgtype\": \"text\", \"agentid\": <数字>, "
                          "\"text\": {{\"content\": \"...\"}}}}。",
    "im.wecom.agent": "agentid 必须是这个应用的 AgentId，即 {agent}（WECOM_AGENT_ID）。",
    "im.wecom.touser": "touser 必须是这个应用的一位成员，可选的有 {known}。",
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
    "widgets.chat.busy.fix": "等它写完，或者点“停止”。",
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
    "widgets.calls.free": "费用：免费",
    "widgets.calls.cost": "费用：约 {cost}",
    "widgets.turn.no_call": "没有调用模型：0 个 token，不产生费用",
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

    # --- chatkit/verify.py：verify(client) ---------------------------------------------------
    "verify.works.one": "密钥 {key} 可以使用，服务器 {url} 上有 1 个模型。",
    "verify.works.many": "密钥 {key} 可以使用，服务器 {url} 上有 {count} 个模型。",
    "verify.failed": "✗ {message}\n  解决办法：{fix}",
    "verify.not_an_api.what": "{url} 有响应，但看起来不是兼容 OpenAI 的 API。",
    "verify.not_an_api.fix": "检查 OPENAI_BASE_URL，它通常以 /v1 结尾。",

    # --- chatkit/sandbox/__init__.py：simulate() ----------------------------------------------
    "sandbox.simulated": "已在沙盒上模拟 {shown}，其他限制都已关闭。",
    "sandbox.simulated_nothing": "沙盒上的限制已全部关闭，没有模拟任何限制。",
    "sandbox.simulated_none": "当前后端不是沙盒，所以没有模拟任何限制，真实的网络和你账户自己的速率限制照常生效。",

    # --- chatkit/connect.py：backend_info() ---------------------------------------------------
    "connect.info": "后端：{backend}（{where}）{provider}\nbase URL：{base_url}\n默认模型：{model}\n"
                    "密钥：{key}（{source}）",
    "connect.info.sandbox": "运行在本机的沙盒，不需要密钥",
    "connect.info.provider": "\n服务商：{provider}",
    "connect.info.ask_models": "服务器列出的第一个聊天模型（第一次用到时询问）",
    "connect.source.sandbox": "沙盒为本次会话生成",
    "connect.source.environment": "来自环境变量",
    "connect.source.file": "来自 {path}",
    "connect.source.none_needed": "本地服务器不需要密钥",
    "connect.source.variable": "{source}中的 {variable}",

    # --- chatkit/doctor.py：python -m chatkit doctor ------------------------------------------
    "doctor.check.runtime": "模型运行库",
    "doctor.check.model": "沙盒模型",
    "doctor.check.pulled": "已下载的模型",
    "doctor.check.env_file": ".env 文件",
    "doctor.check.env_private": ".env 权限",
    "doctor.check.env_ignored": ".env 被 git 忽略",
    "doctor.check.key": "API 密钥",
    "doctor.check.backend": "后端",
    "doctor.check.call": "测试调用",
    "doctor.fix": "解决办法：{fix}",
    "doctor.fix_html": "<b>解决办法：</b>{fix}",
    "doctor.head.check": "检查项",
    "doctor.head.result": "结果",
    "doctor.all_passed": "{count} 项检查全部通过。",
    "doctor.some_failed": "{count} 项检查中有 {failed} 项没有通过。按各项的解决办法处理后，再运行一次 doctor。",
    "doctor.crashed.what": "这项检查本身出错了，{error}: {message}",
    "doctor.crashed.fix": "再运行一次 doctor；如果还是这样，请带上 doctor 的完整输出报告这个问题。",
    "doctor.python.old": "{found}，而 chatkit 需要 Python {need} 或更新的版本",
    "doctor.python.fix": "安装 Python {need} 或更新的版本（python.org），用它新建一个虚拟环境，"
                         "再在里面运行 pip install -r requirements.txt",
    "doctor.install": "在终端里进入 chatkit 文件夹，运行 pip install -r requirements.txt，然后重启内核。",
    "doctor.package.missing": "没有安装（找不到可以导入的模块 '{module}'）",
    "doctor.package.no_version": "可以导入（版本未知）",
    "doctor.runtime.missing": "没有安装 xllamacpp",
    "doctor.runtime.broken": "llama.cpp（xllamacpp）加载失败：{error}",
    "doctor.runtime.ok": "llama.cpp 可以加载（xllamacpp {version}，预编译版）",
    "doctor.runtime.fix.linux": "安装 GNU OpenMP 运行库，Debian 或 Ubuntu 上运行 'sudo apt-get install libgomp1'，"
                                "Fedora 上运行 'sudo dnf install libgomp'，然后重启内核。",
    "doctor.runtime.fix.win32": "从微软官网下载安装 x64 版的 Microsoft Visual C++ Redistributable"
                                "（搜索 'vc_redist.x64.exe'），然后重启内核。",
    "doctor.runtime.fix.other": "运行 pip install --force-reinstall xllamacpp 重新安装它。",
    "doctor.model.missing": "文件不存在：{path}",
    "doctor.model.fix": "在终端里进入 chatkit 文件夹，运行 pip install --force-reinstall ./model",
    "doctor.model.ok": "{name}（{megabytes:.0f} MB）",
    "doctor.pulled.ok": "{model}（{megabytes:,.0f} MB，已校验）：{path}",
    "doctor.pulled.unverified": "{model}：{path} 有 {megabytes:,.0f} MB，与模型清单记录的 {expected:,.0f} MB 不符，"
                                "所以不是校验过的文件",
    "doctor.pulled.fix": "运行 python -m chatkit models pull {model}",
    "doctor.pulled.none": "还没有。运行 python -m chatkit models list 可以看到能下载哪些模型",
    "doctor.env.none": "没有（{where}）",
    "doctor.env.key_from_environment": "密钥来自环境变量",
    "doctor.env.no_key_needed": "{provider} 不需要密钥",
    "doctor.env.sandbox": "将使用沙盒",
    "doctor.private.windows": "Windows 上不检查（你的用户文件夹只有你能访问）",
    "doctor.private.ok": "权限 {mode}，只有你能读取",
    "doctor.private.everyone": "权限 {mode}，这台电脑上的所有用户都能读取",
    "doctor.private.group": "权限 {mode}，你所在用户组的成员都能读取",
    "doctor.private.writable": "权限 {mode}，其他用户可以修改它",
    "doctor.private.fix": "在终端里运行 chmod 600 {path}",
    "doctor.ignored.by_git": "git 会忽略它",
    "doctor.ignored.listed": "已列在 {ignore} 里",
    "doctor.ignored.tracked": "git 已经在跟踪它，密钥可能已经进了提交历史",
    "doctor.ignored.tracked_fix": "在终端里运行 git rm --cached {quoted}，把 {file} 这一行加进 {ignore} 并提交，"
                                  "然后换一个新密钥。",
    "doctor.ignored.not_listed": "{ignore} 里没有 {file}，git 可能会把你的密钥提交上去",
    "doctor.ignored.fix": "把 {file} 这一行加进 {ignore}",
    "doctor.key.local": "没有（{provider} 运行在你的电脑上，不需要密钥）",
    "doctor.key.sandbox": "没有（沙盒会自己生成密钥）",
    "doctor.key.environment": "环境变量",
    "doctor.key.set_again": "然后在环境变量里重新设置 {variable}。",
    "doctor.key.edit": "修改 {source} 里 {variable} 那一行。",
    "doctor.key.refused": "{masked}（来自{source}）：{what}",
    "doctor.key.fix": "{fix}{where}",
    "doctor.key.for": "{variable} {masked}，来自{source}（{provider} 的密钥）",
    "doctor.key.from": "{masked}，来自{source}",
    "doctor.key.looks_right": "{masked}，来自{source}（格式看起来没问题）",
    "doctor.backend.sandbox": "沙盒（离线运行在这台电脑上），模型 {model}",
    "doctor.backend.first_model": "服务器列出的第一个聊天模型（设置 CHATKIT_MODEL 可以指定模型）",
    "doctor.backend.found": "{backend}，地址 {url}（{who}），模型 {model}{lacks}",
    "doctor.backend.provider": "服务商 {provider}",
    "doctor.backend.no_preset": "chatkit 没有预设的兼容 OpenAI 的服务器",
    "doctor.backend.and_no": " 和 ",
    "doctor.backend.lacks.one": "；它不提供 {missing}（核对于 {checked}），需要它的单元格会停下来并说明原因，"
                                "请在沙盒上运行这些单元格",
    "doctor.backend.lacks.many": "；它不提供 {missing}（核对于 {checked}），需要它们的单元格会停下来并说明原因，"
                                 "请在沙盒上运行这些单元格",
    "doctor.retired.fix": "在 .env 里换一个仍在服务的模型，例如 CHATKIT_MODEL=gpt-6-luna（见笔记本 01）。"
                          "OpenAI 已于 {day} 停用 {model}。",
    "doctor.retired.what": "{found}，OpenAI 已在 {day} 停用 {model}",
    "doctor.retiring": "{found}（OpenAI 将在 {day} 停用它，还有 {days} 天，到时请设置 CHATKIT_MODEL=gpt-6-luna）",
    "doctor.call.failed": "测试调用（Chat Completions）失败了：{what}",
    "doctor.call.ok": "{model} 用 {ms} 毫秒回答了 {text!r}（{url}）",

    # --- chatkit/__main__.py：命令打印的内容 -----------------------------------------------------
    "cli.error": "错误：{error}",
    "cli.interrupted": "已中断。",
    "cli.not_a_count": "{text!r} 不是整数，请用 0 或更大的整数（0 表示关闭这项限制）",
    "cli.not_an_amount": "{text!r} 不是有效的金额，请填写不小于 0 的数，比如 2 或 0.50（填 0 表示不设这项限制）",
    "cli.not_a_port": "{text!r} 不是端口号，请用 1 到 65535，或者用 0 让系统挑一个空闲端口",
    "cli.batch.done": "{total} 项中完成了 {done} 项，失败 {failed} 项，结果在 {out} 里",
    "cli.serve.serving": "沙盒正在 {url} 上提供 {models}（数据在 {data}）。按 Ctrl+C 停止。",
    "cli.serve.settings": "任何 OpenAI 客户端只要设置下面两项（写在 .env 或环境变量里）就能用它：\n"
                          "  OPENAI_BASE_URL={url}\n  OPENAI_API_KEY=<运行 {command} 得到的密钥>",
    "cli.serve.limits": "按密钥模拟平台的限制：{limits}",
    "cli.serve.stopped": "沙盒已停止。",
    "cli.keys.created_shown": "已在 {folder} 里创建 {id}（“{name}”）：\n\n    {key}\n",
    "cli.keys.copy_now": "现在就复制它，它不会再显示了（沙盒只保存它的哈希值）。",
    "cli.keys.save_instead": "想把新密钥直接写进 .env（只有你能读取），请运行 {prog} keys create --save",
    "cli.keys.created": "已创建 {id}（“{name}”）：{masked}",
    "cli.keys.saved": "已把它作为 OPENAI_API_KEY 保存到 {path}（只有你能读取，并且已列在 .gitignore 里）。",
    "cli.keys.none": "{folder} 里还没有密钥。运行 {prog} keys create 可以创建一个。",
    "cli.keys.list": "{folder} 里的密钥：",
    "cli.keys.column.name": "名称",
    "cli.keys.column.key": "密钥",
    "cli.keys.column.created": "创建时间",
    "cli.keys.column.status": "状态",
    "cli.keys.active": "有效",
    "cli.keys.revoked": "已吊销",
    "cli.keys.already_revoked": "{id}（{masked}）已在 {date} 吊销。",
    "cli.keys.revoked_now": "已吊销 {id}（“{name}”，{masked}），用它发出的请求现在会得到 401 Unauthorized。",

    # --- chatkit/hub/ 和 `python -m chatkit models`：本地模型清单 ------------------------------------
    "hub.list": "可以下载的模型（保存到 {folder}）：",
    "hub.list.how": "运行 {prog} models pull <名称> 下载其中一个，下载后在沙盒里用这个名称就能调用它。",
    "hub.column.name": "名称",
    "hub.column.size": "大小",
    "hub.column.languages": "语言",
    "hub.column.licence": "许可证",
    "hub.column.pulled": "已下载",
    "hub.yes": "是",
    "hub.no": "否",
    "hub.language.zh": "中文",
    "hub.language.en": "英文",
    "hub.language.between": "、",
    "hub.licence": "{name} 以 {licence} 许可证发布（{url}），下载即表示你接受其中的条款。",
    "hub.already": "{name} 已经下载过了，文件在 {path}",
    "hub.trying": "正在从 {source} 下载 {url}",
    "hub.moving_on": "{source} 下载失败（{reason}），改用下一个来源。",
    "hub.wrong_length": "它提供的文件有 {sent} 字节，应为 {expected} 字节",
    "hub.pulled": "{name} 已下载，SHA-256 与模型清单一致，文件在 {path}",
    "hub.removed": "已删除 {name}，释放了 {size}（{path}）。",
    "hub.not_pulled": "{name} 还没有下载，没有可删除的文件。",
    "hub.unknown.what": "chatkit 的模型清单里没有 {name!r}。",
    "hub.unknown.fix": "运行 python -m chatkit models list 查看可用的名称。",
    "hub.no_checksum.what": "{name} 没有公布的校验和，chatkit 不下载无法校验的文件。",
    "hub.no_checksum.fix": "从 python -m chatkit models list 里换一个模型，或者自己从 {sources} 下载文件，"
                           "再用 python -m chatkit serve --model <文件路径> 加载它。",
    "hub.no_space.what": "磁盘空间不够下载 {name}，它需要 {need}，而 {folder} 所在的磁盘只剩 {free}。",
    "hub.no_space.fix": "腾出一些空间（或者把 CHATKIT_MODELS_DIR 设为更大磁盘上的文件夹）后再下载一次，"
                        "下载会从中断处继续。",
    "hub.unreachable.what": "所有来源都没能完整提供 {name}，原因见上面几行。",
    "hub.unreachable.fix": "检查网络后再运行一次同样的命令，下载会从中断处继续。访问不了 Hugging Face 时，"
                           "可以把 {mirror} 设为镜像地址，例如 {mirror}=https://hf-mirror.com。",
    "hub.truncated.what": "{name} 没有下载完整（只有 {got} 字节，应为 {size} 字节），已经删除。",
    "hub.corrupted.what": "下载的 {name} 与官方发布的文件不一致（SHA-256 是 {got}，模型清单里记录的是 {sha256}），已经删除。",
    "hub.again.fix": "再运行一次 python -m chatkit models pull {name} 重新下载；如果还是同样的错误，"
                     "把 HF_ENDPOINT 换成另一个镜像再试。",

    # --- chatkit/widgets/：标签、按钮和输入框提示 ----------------------------------------------
    "widgets.chat.system": "系统提示词",
    "widgets.chat.system_bot": "系统提示词（机器人的，只读）",
    "widgets.chat.placeholder": "输入消息，按回车发送",
    "widgets.chat.send": "发送",
    "widgets.chat.stop": "停止",
    "widgets.chat.clear": "清空",
    "widgets.compare.run": "全部运行",
    "widgets.playground.system": "可选，填写系统消息",
    "widgets.playground.seed": "留空表示随机",
    "widgets.playground.run": "运行",
    "widgets.logprobs.run": "显示概率",
    "widgets.logprobs.model": "模型原本的概率（T=1）",
    "widgets.logprobs.at": "温度为 {temperature:g} 时",
    "widgets.keys.name": "名称",
    "widgets.keys.first_name": "我的第一个密钥",
    "widgets.keys.create": "创建密钥",
    "widgets.keys.yours": "你的沙盒密钥",
    "widgets.keys.none": "还没有密钥，先创建一个吧。",
    "widgets.keys.row": "（{id}，创建于 {when}，{state}）",
    "widgets.keys.active": "有效",
    "widgets.keys.revoked_state": "已吊销",
    "widgets.keys.revoke": "吊销",
    "widgets.keys.provider": "服务商",
    "widgets.keys.key": "API 密钥",
    "widgets.keys.save": "保存到 .env",

    # --- chatkit/bot/：机器人对用户说的话，以及 bot serve 打印的内容 ------------------------------
    "bot.reset": "好的，我已经忘掉了我们之前的对话。有什么可以帮你的吗？",
    "bot.apology": "抱歉，我现在没法回答，请过几分钟再试。",
    "bot.settings.comma": "、",
    "bot.settings.and": " 和 ",
    "bot.settings.off": "这个机器人没有启用 {platform}。请在环境变量或 .env 里设置 {needs}，然后重启机器人（见 {docs}）。",
    "bot.serve.serving": "{shop} 的机器人（{model}）正在 {url} 上运行，按 Ctrl+C 停止。\n"
                         "下面是要填到各个平台的回调地址（设置来自环境变量或 .env）：",
    "bot.serve.off": "未启用，需要设置 {needs}",
    "bot.serve.stopped": "机器人已停止。",
    "bot.serve.state": "对话记录保存在 {path}（保留 {days:g} 天，可用 {variable} 修改）。",
    "bot.interrupted": "抱歉，服务重启打断了我的回答。如果内容不完整，请再问一次。",
    "bot.store.retention.what": "{variable}={value!r} 不是有效的天数。",
    "bot.store.retention.fix": "请把 {variable} 设为大于 0 的数，例如 7；删掉这项设置则默认保留 7 天。",
    # chatkit/bot/intake.py：机器人拒绝平台请求的原因
    "bot.intake.too_large": "请求体超过了 {kb} KB，聊天消息不会这么大。",
    "bot.intake.cut": "请求体还没有传完，连接就断开了。",
    "bot.intake.no_id": "这条 {platform} 消息没有消息 id，无法分辨平台是不是在重复投递。",
    "bot.intake.busy": "机器人积压的消息太多了，请过一分钟再试。",
    "bot.intake.no_sender": "这条 {platform} 消息没有发送者，回答无人可收。请按 {platform} 文档带上发送者的用户 id。",
    "bot.intake.no_conversation": "这条 {platform} 消息没有会话 id，无法和其他会话区分开。请按 {platform} 文档带上会话 id。",
    "bot.intake.not_utf8": "这条 {platform} 消息里有不合法的 Unicode 文本（孤立的代理码元），请发送 UTF-8 文本。",
    # chatkit/logs.py 和服务的日志行（python -m chatkit bot serve / im serve）
    "bot.log.refused": "拒绝了发往 {route} 的 {platform} 请求（HTTP {status}）：{why}",
    "im.log.refused": "拒绝了 {method} {route}（HTTP {status}）：{why}",
    "logs.level.what": "{variable}={level!r} 不是日志级别。",
    "logs.level.fix": "把 {variable} 设为 {levels} 中的一个，或者使用 --log-level 参数。",

    # --- chatkit/im/：本地聊天平台的命令输出、错误和投递状态 ----------------------------------------
    "im.cli.serving": "本地聊天平台（模仿{platform}，供学习使用）已在 {url} 启动。\n"
                      "打开它，以顾客身份聊天，就能看到机器人的回复逐字出现。按 Ctrl+C 停止。",
    "im.cli.bot": "顾客的消息会发到机器人的 Webhook：{url}",
    "im.cli.no_bot": "没有连接机器人，消息不会送到机器人那里（页面上会显示“未送达”）。请加上 --bot URL 重新启动，例如 --bot http://127.0.0.1:8787"
                     "（chatkit 机器人的地址，会自动补上 {route}）。",
    "im.cli.settings": "机器人的设置（.env 里的几行，密钥已遮盖）：",
    "im.cli.reused": "沿用了 {path} 里的凭据（已更新 endpoint）。这个文件只有你能读取，并且已列在 .gitignore 里。"
                     "让机器人读取这个文件即可。",
    "im.cli.written": "凭据已完整写入 {path}。这个文件只有你能读取，并且已列在 .gitignore 里。让机器人读取这个文件即可。",
    "im.cli.new_secrets": "每次启动都会生成新的密钥，而且只显示遮盖后的样子。要把它们交给机器人，请加上 --env-file .env "
                          "重新运行，密钥会完整写进这个文件（只有你能读取），下次启动时继续沿用。",
    "im.cli.stopped": "本地聊天平台已停止。",
    "im.error.no_file": "这里没有文件 {name!r}。",
    "im.error.page_body": "请发送一个 JSON 对象：{{\"from\": \"<顾客 uid>\", \"text\": \"...\"}}。",
    "im.error.page_from": "'from' 必须是 /api/state 列出的某位顾客的 uid。",
    "im.error.empty": "消息是空的，请输入一些文字。",
    "im.error.too_many_pages": "平台上打开的页面太多了，请关掉一些标签页再刷新。",
    "im.error.send_body": "请求体必须是一个 JSON 对象，包含 type、from_user_id、targets、content_type 和 content。"
                          "参见 {docs}",
    "im.error.type": "type 是 {type!r}，而本地平台只模仿 type 1（一对一聊天消息）。",
    "im.error.targets": "targets 必须是包含 1 到 {most} 个用户 id 的列表，例如 [8589934610]。",
    "im.error.ext": "ext 必须是 JSON 字符串，例如 \"{{\\\"ai\\\": {{\\\"role\\\": \\\"ai\\\"}}}}\"。",
    "im.error.content_type": "content_type 是 {kind!r}，而本地平台只模仿 0（文本消息）和 11（更新 related_mid 指向的消息）。",
    "im.error.no_related_mid": "更新消息（content_type 11）需要 related_mid，也就是 /message/send 在 msg_ids 里"
                               "返回的那条消息的 id。",
    "im.error.no_message": "没有 id 为 {id} 的消息（平台只保留最近 {kept} 条）。请使用之前 /message/send 返回的 msg_ids 里的 id。",
    "im.error.not_sender": "消息 {id} 是用户 {sender} 发的，只有发送者本人才能更新它。",
    "im.error.and": " 和 ",
    "im.error.header_missing": "缺少请求头 {headers}",
    "im.error.header_wrong": "app_id 或 access-token 不对",
    "im.error.unauthorized": "未授权，{why}。请从平台启动时的输出（或它的 --env-file）里复制 LANYING_APP_ID 和 "
                             "LANYING_ADMIN_TOKEN，填到机器人的设置里。",
    "im.error.host": "这个页面只能通过 {hosts} 访问，不接受主机名 {host!r}。",
    "im.error.origin": "只能从平台自己的页面发送消息。",
    "im.error.not_json_type": "请以 JSON 格式发送消息（Content-Type: application/json）。",
    "im.error.too_large": "请求体超过了 {kb} KB，请少发一些。",
    "im.error.cut": "请求体还没有传完，连接就断开了。",
    "im.error.not_json": "请求体不是有效的 JSON（UTF-8）。",
    "im.error.no_user": "{field}：{uid!r} 不是这个应用的用户（用户有 {known}）。",
    "im.error.not_text": "{field} 必须是文本字符串。",
    "im.error.too_long": "{field} 有 {length:,} 个字符，上限是 {most:,} 个。",
    "im.error.surrogate": "{field} 里有无效的 Unicode 文本（孤立的代理字符）。",
    "im.delivery.no_bot": "没有连接机器人，所以消息没有送出。请用 --bot URL（机器人的 Webhook）启动平台，"
                          "或者设置 platform.bot_webhook。",
    "im.delivery.busy": "已经有 {count} 条消息在等机器人处理，这一条被丢弃了。请放慢发送速度，或者检查机器人有没有回应。",
    "im.delivery.twice": "{why}（已尝试两次）",
    "im.delivery.timeout": "机器人没有在 {seconds:.0f} 秒内回应。机器人应该立即回应回调，之后再发送回复。",
    "im.delivery.unreachable": "连不上 {url} 上的机器人（{error}）。它在这个地址上运行吗？",
    "im.delivery.answered": "机器人返回了 {status}。",
    "im.delivery.answered_said": "机器人返回了 {status}：{said}",
    # 聊天页面（chatkit/im/static）：服务器把这些文字交给 app.js，由它自己填入 {字段}，并用 textContent 显示
    "im.page.title": "本地聊天平台 · 模仿{platform}",
    "im.page.heading": "本地聊天平台",
    "im.page.badge": "模仿{platform} · 供学习使用",
    "im.page.notice": "只在这台电脑上运行。消息只会发到你的机器人的 Webhook，不会发给{platform}，也不会发给其他任何人。",
    "im.page.connecting": "正在连接…",
    "im.page.live": "已连接",
    "im.page.reconnecting": "正在重新连接…",
    "im.page.users": "用户",
    "im.page.conversations": "会话",
    "im.page.setup": "机器人连接",
    "im.page.app_id": "应用 ID",
    "im.page.webhook": "机器人 Webhook",
    "im.page.no_webhook": "无，消息会一直未送达（启动时请加上 --bot URL）",
    "im.page.placeholder": "输入消息，按 Enter 发送（Shift+Enter 换行）",
    "im.page.send": "发送",
    "im.page.bot_tag": "机器人",
    "im.page.bot_tip": "这是机器人，它通过平台的 API 回复",
    "im.page.chat_as": "以 {name} 的身份聊天",
    "im.page.unknown_user": "用户 {uid}",
    "im.page.no_messages": "还没有消息",
    "im.page.preview": "{name}：{text}",
    "im.page.you_are": "{conversation} · 你是 {name}",
    "im.page.read_only": "{conversation} · 只读",
    "im.page.empty": "还没有消息，跟机器人打个招呼吧。",
    "im.page.updated": "已更新 {count} 次",
    "im.page.pending": "正在发给机器人…",
    "im.page.retrying": "第一次没有送达，正在重试：{reason}",
    "im.page.delivered": "✓ 已送达机器人",
    "im.page.not_delivered": "✗ 未送达：{reason}",
    "im.page.not_sent": "未发出：{why}",
    # --- chatkit/classroom/：班级网关、学生名单和密钥 -----------------------------------------
    "classroom.roster.unreadable.what": "无法读取学生名单 {path}（{reason}）。",
    "classroom.roster.unreadable.fix": "请提供 UTF-8 编码的 CSV 文件，每行一个姓名，或者第一行是含有 id 和 name 两列的表头。",
    "classroom.roster.empty.what": "学生名单 {path} 里没有学生。",
    "classroom.roster.empty.fix": "请提供 UTF-8 编码的 CSV 文件，每行一个姓名，或者第一行是含有 id 和 name 两列的表头。",
    "classroom.roster.duplicates.what": "学生名单 {path} 里有学生重复出现，所以这次没有导入任何学生。重复的 id（括号里是所在的行）：{listed}。",
    "classroom.roster.duplicates.fix": "每个学生只写一行；同名的学生请加一列 id 来区分，然后重新导入。",
    "classroom.roster.already": "名单上有 {count} 名学生已经在班里，密钥保持不变（{names}）。",
    "classroom.roster.nothing_new": "没有需要添加的新学生。要给某个学生换新密钥，请运行 {prog} keys rotate ID",
    "classroom.roster.imported": "已把 {count} 名学生加入班级（保存在 {folder}）。",
    "classroom.keys.written": "他们的密钥在 {path} 里（只有你能读取）。把每一行交给对应的学生，然后删除这个文件，因为这些密钥不会再显示。",
    "classroom.keys.none": "{folder} 里还没有学生。请先导入学生名单，运行 {prog} roster import FILE.csv",
    "classroom.keys.list": "{folder} 里的学生和密钥：",
    "classroom.keys.column.id": "学号",
    "classroom.keys.column.name": "姓名",
    "classroom.keys.column.key": "密钥",
    "classroom.keys.column.issued": "发放时间",
    "classroom.keys.column.status": "状态",
    "classroom.keys.column.tokens": "已用 token",
    "classroom.keys.active": "有效",
    "classroom.keys.revoked": "已吊销",
    "classroom.keys.revoked_now": "已吊销 {count} 把密钥（{names}）。用它们发出的调用现在会得到 401 Unauthorized；要给学生换新密钥，请运行 keys rotate。",
    "classroom.keys.rotated": "已发放 {count} 把新密钥，旧密钥现在会得到 401 Unauthorized。",
    "classroom.keys.no_such_student.what": "{folder} 里没有 id 为 {shown} 的学生。",
    "classroom.keys.no_such_student.fix": "运行 '{prog} keys list'，从它的学号列复制 id。",
    "classroom.upstream.credentials.what": "上游 URL {url} 的主机名前带有用户名或密码，它们会出现在网关日志和看板上。",
    "classroom.upstream.credentials.fix": "请改为把凭据放进环境变量，写成 URL,key=变量名（网关会把它作为 Bearer 密钥发给上游）。",
    "classroom.upstream.bad_url.what": "{url!r} 不是上游服务器的 http(s) base URL。",
    "classroom.upstream.bad_url.fix": "请给出兼容 OpenAI 的服务器的 base URL，例如 https://api.openai.com/v1 或 http://127.0.0.1:8000/v1（vLLM）；需要密钥时在后面加上 ,key=变量名。",
    "classroom.upstream.no_key.what": "上游选项 {option!r} 没有指定一个已经设置的密钥变量。",
    "classroom.upstream.no_key.fix": "写成 key=变量名，并在环境变量或 .env 里把这个变量设为上游的密钥。不要把密钥本身写在命令行上，这台机器的其他用户能在进程列表里看到它。",
    "classroom.gateway.slow_body": "请求体在 {seconds} 秒内没有传完，班级网关不再等待。请检查网络连接，然后重新发送请求。",
    "classroom.gateway.too_large": "请求体超过了班级网关接受的上限（{limit:,} 字节）。请缩短提示词，或者把任务拆成几个请求。",
    "classroom.files.too_large": "班级网关只接受不超过 {limit:,} 字节的文件（平台上的批处理文件最大可以到 200 MB）。请把请求拆到几个文件里，每个文件提交一个批处理。",
    "classroom.batches.too_large": "（在这个班里，按每个请求的输入加上它的输出上限计算，这个批处理最多可能用掉 {tokens:,} 个 token，而你只剩 {left:,} 个。请调低每个请求的 max_tokens、max_completion_tokens 或 max_output_tokens，少发一些请求，或者请老师多给一些配额。）",
    "classroom.batches.too_expensive": "（在这个班里，按每个请求的输入加上它的输出上限、以标准价格计算，这个批处理最多可能花掉 {cost}，而你只剩 {left}。请调低每个请求的 max_tokens、max_completion_tokens 或 max_output_tokens，少发一些请求，或者请老师提高花费上限。）",
    "classroom.gateway.cut_off": "请求体还没传完，连接就断开了。请重新发送请求。",
    "classroom.gateway.upstream_timeout": "班级使用的模型在 {seconds} 秒内没有回答。请过一分钟再试；如果一直这样，请告诉老师（网关日志里写明了是哪个上游）。",
    "classroom.gateway.upstream_busy": "班级使用的模型正忙，每个上游都达到了自己的速率限制。请等几秒再试（SDK 会自动重试）。",
    "classroom.gateway.upstream_down": "现在连不上班级使用的模型，所有上游都拒绝了这次调用或者出了错。请过一分钟再试；如果一直这样，请告诉老师，老师能在网关日志里看到原因。",
    "classroom.gateway.answer_too_large": "上游 {upstream} 返回的回答太大，网关无法一次转发。请要求更短的回答（调低 max_tokens 或 max_output_tokens）。",
    "classroom.gateway.bug": "班级网关处理你的请求时出错了。请告诉老师，网关日志里有详细信息。",
    "classroom.serve.serving": "班级网关已在 {url} 启动，为 {students} 名学生服务，请求转发到 {upstreams}。按 Ctrl+C 停止。",
    "classroom.serve.limits": "每个学生的限制：{limits}",
    "classroom.serve.no_limits": "没有给学生设任何限制（可以用 --rpm、--tokens-per-day、--spend-per-day、--models 设置）。",
    "classroom.serve.join": "学生在自己的 .env 里写上这两行（各自的密钥在密钥 CSV 文件里）：\n    OPENAI_BASE_URL={url}\n    OPENAI_API_KEY=sk-class-…",
    "classroom.serve.not_loopback": "网关正在 {host} 上监听，这个网络里的任何人都能访问它，密钥也会以明文在网络上传输。请在它前面加一层 TLS（chatkit/classroom/gateway.py 里有用 Caddy 的做法），或者只在 127.0.0.1 上提供服务。",
    "classroom.serve.not_started.what": "班级网关没有启动。",
    "classroom.serve.not_started.fix": "运行 'python -m chatkit doctor'，并确认没有别的程序占用这个端口（可以用 --port 换一个）。",
    "classroom.serve.stopped": "班级网关已停止。",
    "classroom.serve.unpriced.what": "chatkit 的价格表里没有 {models} 的 {currency} 价格，所以按 {currency} 设的花费上限算不出调用它们花了多少钱，学生调用这些模型只会收到错误。",
    "classroom.serve.unpriced.fix": "可以改为限制 token 数（--tokens-per-day N --spend-per-day 0 --spend-per-course 0），或者只允许按 {currency} 定价的模型（--models），或者换成这些模型的计价货币（--currency CNY 或 USD）。",
    "classroom.limits.teacher": "（在这个班里，速率限制由老师设定。）",
    "classroom.quota.tokens": "在这个班里，你{period}已用掉 {used:,} 个 token，上限是 {limit:,} 个。需要更多的话，请找老师。",
    "classroom.quota.money": "在这个班里，你{period}已花费 {used}，花费上限是 {limit}。需要更多的话，请找老师。",
    "classroom.quota.day": "今天（按 UTC 计）",
    "classroom.quota.course": "在整门课中",
    "classroom.quota.unpriced": "这个班按 {currency} 给每个学生设了花费上限，但 chatkit 的价格表里没有模型 {model!r} 的 {currency} 价格，网关算不出这次调用的花费，所以没有把它发出去。请改用按 {currency} 定价的模型（或者沙盒里免费的模型），或者请老师改为按 token 数限制这个模型。",
    "classroom.keys.page_written": "已生成可打印的密钥卡片页 {path}（只有你能读取），每个学生一张，打印后剪开分发。卡片发完后，请把这个文件也删掉。",
    "classroom.cards.title": "班级密钥",
    "classroom.cards.intro": "沿虚线剪开，把卡片交给对应的学生。每把密钥都相当于密码，请妥善保管这一页，剪剩的部分及时销毁。",
    "classroom.cards.url": "班级地址：",
    "classroom.cards.key": "你的密钥（请勿告诉别人）：",
    "classroom.cards.join": "一行命令加入班级（按提示粘贴密钥）：",
    "classroom.cards.env": "或者把下面两行写进 .env 文件：",
    "classroom.results.not_sent": "（练习结果没能发送到班级网关，原因是 {reason}。上面的检查结果照样有效；如果一直这样，请告诉老师。）",
    "classroom.results.bad": "请按 {{\"exercise\": \"03-ask\", \"passed\": true}} 的格式发送结果。练习名只能包含字母、数字、“-”“_”“.”，最多 100 个字符；passed 为 true 或 false。",
    "classroom.dashboard.no_token": "打开看板需要老师的管理员令牌，但这个请求没有带。请运行 '{prog}'，它会打印一个带有新管理员令牌的看板链接。",
    "classroom.dashboard.wrong_token": "这不是本班级当前的管理员令牌（每生成一个新链接，旧的就会失效）。请运行 '{prog}'，获取带新管理员令牌的链接。",
    "classroom.dashboard.student_key": "学生的密钥不能打开老师的看板。学生可以在 /v1/classroom/usage 查看自己的用量，在 /v1/classroom/results 查看自己的练习结果。",
    "classroom.dashboard.link": "看板链接如下，“#”后面是新的管理员令牌（之前的链接随即失效；这个链接请勿外传）：\n    {url}",
    "classroom.dashboard.open": "请在浏览器中打开这个链接。如果网关还没有运行，请先用 {prog} serve 启动它。",
    "classroom.dashboard.page.title": "班级看板",
    "classroom.dashboard.page.loading": "加载中…",
    "classroom.dashboard.page.updated": "更新于 {time}，每 10 秒自动刷新。",
    "classroom.dashboard.page.failed": "网关返回了 HTTP {status}。",
    "classroom.dashboard.page.usage_csv": "导出用量（CSV）",
    "classroom.dashboard.page.results_csv": "导出练习结果（CSV）",
    "classroom.dashboard.page.students": "学生",
    "classroom.dashboard.page.id": "学号",
    "classroom.dashboard.page.name": "姓名",
    "classroom.dashboard.page.key": "密钥",
    "classroom.dashboard.page.key_active": "有效",
    "classroom.dashboard.page.key_revoked": "已吊销",
    "classroom.dashboard.page.key_none": "无",
    "classroom.dashboard.page.active": "15 分钟内活跃",
    "classroom.dashboard.page.yes": "是",
    "classroom.dashboard.page.last_call": "最近调用",
    "classroom.dashboard.page.calls": "调用次数",
    "classroom.dashboard.page.tokens": "token 数",
    "classroom.dashboard.page.errors": "错误数",
    "classroom.dashboard.page.spend": "预估费用",
    "classroom.dashboard.page.unknown": "未知",
    "classroom.dashboard.page.results": "练习结果（以最近一次检查为准）",
    "classroom.dashboard.page.no_results": "还没有学生运行过 check()。",
    "classroom.dashboard.page.hours": "每小时调用次数",
    "classroom.dashboard.page.hour": "时段",
    "classroom.dashboard.page.upstreams": "上游",
    "classroom.dashboard.page.upstream": "上游",
    "classroom.dashboard.page.health": "状态",
    "classroom.dashboard.page.healthy": "正常",
    "classroom.dashboard.page.resting": "出错后暂停中",
    "classroom.dashboard.page.last_error": "最近错误",
    "classroom.gateway.ask_teacher": "请向老师索取你的班级密钥（以 sk-class- 开头），并完整复制。",
    "classroom.join.prompt": "你的班级密钥（sk-class-…，粘贴时不会显示）：",
    "classroom.join.bad_url": "{url!r} 不是班级网关的地址，所以没有保存任何内容。请填写老师给你的 http(s) base URL，例如 http://class.example.edu:8790/v1。",
    "classroom.join.unreachable": "连不上 {url} 的班级网关（{reason}），所以没有保存任何内容。请向老师核对地址，并确认网关正在运行。",
    "classroom.join.wrong_key": "{url} 的班级网关拒绝了密钥 {key}，所以没有保存任何内容。请向老师索取你的密钥，然后完整粘贴。",
    "classroom.join.not_a_gateway": "{url} 返回了 {status}，而不是班级使用的模型列表，所以没有保存任何内容。请向老师核对地址（通常以 /v1 结尾）。",
    "classroom.join.would_replace": "{path} 里已经有你自己的 OPENAI_API_KEY（{key}），加入班级会覆盖它，所以没有保存任何内容。请先把这个密钥妥善另存，删掉这一行，再重新加入。",
    "classroom.join.joined": "已加入 {url} 的班级，密钥是 {key}（保存在 {path}）。现在你的笔记本都会通过班级网关调用模型。",
    "classroom.join.overridden": "班级网关的地址和密钥已保存到 {path}，但环境变量或这个文件里的 {names} 优先级更高，所以你的笔记本暂时还不会使用班级网关。请删除这些设置，然后重启 Jupyter。",
    "classroom.hub.key_issued": "classroom：{student} 的服务器启动时已发放新的班级密钥，之前的密钥随之失效。",
    "classroom.hub.key_revoked": "classroom：{student} 的服务器已停止，对应的班级密钥也随之失效。",
}
