package web

import (
	"fmt"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/metadata"
)

// The languages of the UI.
const (
	English = "en"
	Chinese = "zh-CN"
)

// messages holds the UI's strings by key, per language. Each part of the
// UI adds its own in init with addMessages.
var (
	messagesMu sync.RWMutex
	messages   = map[string]map[string]string{English: {}, Chinese: {}}
)

// addMessages adds strings: key → {English, Chinese}.
func addMessages(m map[string][2]string) {
	messagesMu.Lock()
	defer messagesMu.Unlock()
	for k, v := range m {
		messages[English][k] = v[0]
		messages[Chinese][k] = v[1]
	}
}

// T returns the string of key in language l (English when it has none),
// formatted with args like fmt.Sprintf. A missing key shows as itself, so
// that a test finds it.
func T(l, key string, args ...any) string {
	messagesMu.RLock()
	s, ok := messages[l][key]
	if !ok {
		s, ok = messages[English][key]
	}
	messagesMu.RUnlock()
	if !ok {
		s = key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// lang is the UI language of the request: the one the user chose (a
// cookie set from the language menu), else the first of Accept-Language
// the UI speaks, else English.
func lang(c *fiber.Ctx) string {
	if l, ok := c.Locals(langLocal).(string); ok {
		return l
	}
	l := English
	switch c.Cookies(langCookie) {
	case Chinese:
		l = Chinese
	case English:
	default:
		for _, al := range metadata.ParseAcceptLanguage(c.Get(fiber.HeaderAcceptLanguage)) {
			if al == "zh" || len(al) > 2 && al[:3] == "zh-" {
				l = Chinese
				break
			}
			if al == "en" || len(al) > 2 && al[:3] == "en-" {
				break
			}
		}
	}
	c.Locals(langLocal, l)
	return l
}

// languages are the languages metadata labels are looked up in: the UI's
// first, then English.
func languages(c *fiber.Ctx) []string {
	if lang(c) == Chinese {
		return []string{Chinese, "zh", English}
	}
	return []string{English}
}

// setLanguage remembers the user's choice of language for a year and goes
// back.
func (h *Handler) setLanguage(c *fiber.Ctx) error {
	l := c.Params("lang")
	if l != English && l != Chinese {
		return fiber.NewError(fiber.StatusNotFound, "no such language")
	}
	c.Cookie(&fiber.Cookie{Name: langCookie, Value: l, Path: "/", Expires: time.Now().AddDate(1, 0, 0),
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: c.Protocol() == "https"})
	back := c.Query("back", "/")
	if len(back) == 0 || back[0] != '/' || (len(back) > 1 && (back[1] == '/' || back[1] == '\\')) {
		back = "/"
	}
	return c.Redirect(back, fiber.StatusSeeOther)
}

func init() {
	addMessages(map[string][2]string{
		"app.name":           {"Mosaic", "Mosaic"},
		"nav.own":            {"Objects", "对象"},
		"nav.home":           {"Home", "首页"},
		"nav.inbox":          {"Approvals", "审批"},
		"nav.admin":          {"Setup", "设置"},
		"nav.menu":           {"Menu", "菜单"},
		"nav.language":       {"Language", "语言"},
		"nav.skip":           {"Skip to content", "跳到正文"},
		"signin.title":       {"Sign in", "登录"},
		"signin.tenant":      {"Organization", "组织"},
		"signin.email":       {"Email", "电子邮件"},
		"signin.password":    {"Password", "密码"},
		"signin.submit":      {"Sign in", "登录"},
		"signin.failed":      {"The organization, email or password is not right.", "组织、电子邮件或密码不正确。"},
		"signin.throttled":   {"Too many failed attempts; try again in %d seconds.", "失败次数过多，请 %d 秒后再试。"},
		"signin.missing":     {"Fill in the organization, email and password.", "请填写组织、电子邮件和密码。"},
		"signout":            {"Sign out", "退出"},
		"home.title":         {"Home", "首页"},
		"home.welcome":       {"Welcome, %s", "欢迎，%s"},
		"home.empty":         {"No objects yet. An administrator defines them in Setup, or installs an app.", "还没有对象。管理员可在“设置”中定义对象，或安装应用。"},
		"err.title":          {"Something went wrong", "出错了"},
		"err.no_object":      {"There is no such object.", "没有该对象。"},
		"err.not_found":      {"Not found", "未找到"},
		"err.forbidden":      {"You may not do this.", "您无权执行此操作。"},
		"err.back":           {"Back to the home page", "返回首页"},
		"common.save":        {"Save", "保存"},
		"common.cancel":      {"Cancel", "取消"},
		"common.edit":        {"Edit", "编辑"},
		"common.delete":      {"Delete", "删除"},
		"common.new":         {"New", "新建"},
		"common.search":      {"Search", "搜索"},
		"common.yes":         {"Yes", "是"},
		"common.no":          {"No", "否"},
		"common.none":        {"—", "—"},
		"common.more":        {"More", "更多"},
		"common.comment":     {"Comment", "备注"},
		"common.required":    {"required", "必填"},
		"common.close":       {"Close", "关闭"},
		"common.loading":     {"Loading…", "加载中…"},
		"common.apply":       {"Apply", "应用"},
		"common.count":       {"%d records", "%d 条记录"},
		"common.count_one":   {"1 record", "1 条记录"},
		"common.next":        {"Next page", "下一页"},
		"common.first":       {"First page", "第一页"},
		"common.created_at":  {"Created", "创建时间"},
		"common.updated_at":  {"Last modified", "最后修改"},
		"common.owner":       {"Owner", "所有人"},
		"common.actions":     {"Actions", "操作"},
		"common.saved":       {"Saved.", "已保存。"},
		"common.choose":      {"— choose —", "— 请选择 —"},
		"common.help":        {"Help", "帮助"},
		"common.optional":    {"optional", "可选"},
		"common.status":      {"Status", "状态"},
		"common.name":        {"Name", "名称"},
		"common.type":        {"Type", "类型"},
		"common.description": {"Description", "描述"},
	})
}
