package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/auth"
	"github.com/mosaic-paas/mosaic/runtime/catalog"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// cli is the actor of changes made from the command line, in the audit log.
var cli = auth.Actor{Via: "cli"}

// user runs `mosaic user create|password|list`.
func user(args []string, in io.Reader, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("user: say create, password or list")
	}
	fs := flag.NewFlagSet("user "+args[0], flag.ContinueOnError)
	name := fs.String("name", "", "the user's name (default: the email's local part)")
	role := fs.String("role", auth.DefaultRole, "the user's role (admin is the administrator)")
	manager := fs.String("manager", "", "the manager's email or id")
	noPassword := fs.Bool("no-password", false, "create the user without a password (it cannot sign in until one is set)")
	cfg := storeFlags(fs)
	if err := parseInterspersed(fs, args[1:]); err != nil {
		return err
	}
	ctx := context.Background()
	db, err := store.Open(ctx, *cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := auth.New(db, auth.Config{})
	switch args[0] {
	case "create":
		if fs.NArg() != 2 {
			return errors.New("user create: give the tenant and the user's email")
		}
		t, err := store.TenantByName(ctx, db, fs.Arg(0))
		if err != nil {
			return err
		}
		if err := checkRole(ctx, db, t, *role); err != nil {
			return err
		}
		managerID, err := resolveUser(ctx, db, t, *manager)
		if err != nil {
			return fmt.Errorf("user create: manager: %w", err)
		}
		var password string
		if !*noPassword {
			if password, err = readPassword(in, "Password for "+fs.Arg(1)); err != nil {
				return err
			}
		}
		u, err := svc.CreateUser(ctx, t.ID, auth.UserInput{Email: fs.Arg(1), Name: *name, Role: *role, ManagerID: managerID, Password: password}, cli)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "user %s created in %s (id %s, role %s)\n", u.Email, t.Name, u.ID, u.Role)
	case "password":
		if fs.NArg() != 2 {
			return errors.New("user password: give the tenant and the user's email")
		}
		t, err := store.TenantByName(ctx, db, fs.Arg(0))
		if err != nil {
			return err
		}
		u, err := store.UserByEmail(ctx, db, t.ID, fs.Arg(1))
		if err != nil {
			return err
		}
		password, err := readPassword(in, "New password for "+u.Email)
		if err != nil {
			return err
		}
		if err := svc.SetPassword(ctx, t.ID, u.ID, password, "", cli); err != nil {
			return err
		}
		fmt.Fprintf(out, "password of %s in %s set; the user's sessions have ended\n", u.Email, t.Name)
	case "list":
		if fs.NArg() != 1 {
			return errors.New("user list: give the tenant")
		}
		t, err := store.TenantByName(ctx, db, fs.Arg(0))
		if err != nil {
			return err
		}
		users, err := store.ListUsers(ctx, db, t.ID, store.UserFilter{})
		if err != nil {
			return err
		}
		for _, u := range users {
			state := "active"
			if !u.Active {
				state = "inactive"
			}
			fmt.Fprintf(out, "%s\t%s\t%s\t%s\t%s\n", u.Email, u.ID, u.Role, state, u.CreatedAt.Format(time.RFC3339))
		}
	default:
		return fmt.Errorf("user: unknown subcommand %q", args[0])
	}
	return nil
}

// checkRole refuses a role that is neither built in (admin, standard) nor
// defined in the tenant's current metadata, naming the roles that exist.
func checkRole(ctx context.Context, db store.DB, t store.Tenant, role string) error {
	rev, err := catalog.New(db).Current(ctx, t)
	if err != nil {
		return fmt.Errorf("user create: read the roles of %s: %w", t.Name, err)
	}
	if rev.Model.HasRole(role) {
		return nil
	}
	roles := []string{metadata.RoleAdmin, metadata.RoleStandard}
	for _, r := range rev.Model.Roles {
		roles = append(roles, r.Name)
	}
	return fmt.Errorf("user create: tenant %s has no role %q; the roles are %s (define others in its metadata first)",
		t.Name, role, strings.Join(roles, ", "))
}

// resolveUser finds a user of the tenant by email or id; "" is none.
func resolveUser(ctx context.Context, db store.DB, t store.Tenant, ref string) (string, error) {
	if ref == "" {
		return "", nil
	}
	if u, err := store.UserByID(ctx, db, t.ID, strings.ToLower(ref)); err == nil {
		return u.ID, nil
	}
	u, err := store.UserByEmail(ctx, db, t.ID, ref)
	if err != nil {
		return "", err
	}
	return u.ID, nil
}

// readPassword reads a password: from a terminal without echo, asked twice
// on standard error; from anything else, the first line.
func readPassword(in io.Reader, prompt string) (string, error) {
	if f, ok := in.(*os.File); ok {
		if restore, tty := noEcho(f); tty {
			defer restore()
			r := bufio.NewReader(f)
			fmt.Fprintf(os.Stderr, "%s (at least %d characters): ", prompt, auth.MinPasswordLength)
			first, err := readLine(r)
			fmt.Fprintln(os.Stderr)
			if err != nil {
				return "", err
			}
			if err := auth.CheckPassword(first); err != nil {
				return "", err
			}
			fmt.Fprint(os.Stderr, "Again: ")
			second, err := readLine(r)
			fmt.Fprintln(os.Stderr)
			if err != nil {
				return "", err
			}
			if first != second {
				return "", errors.New("the passwords differ")
			}
			return first, nil
		}
	}
	line, err := readLine(bufio.NewReader(in))
	if err != nil {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	return line, nil
}

// readLine reads a line without its line ending; a last line without one
// counts, an empty input does not.
func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		if errors.Is(err, io.EOF) {
			return "", errors.New("no password given")
		}
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}
